import type Docker from "dockerode";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { endpointOf } from "../lab/lab-endpoints.ts";
import { type LabContext, requireLab } from "../lab/lab-lifecycle.ts";
import type { EngineRole, LabId } from "../lab/lab-names.ts";
import { readSettings } from "../lab/lab-settings.ts";
import { certsFromAnyNode } from "../lab/lab-status.ts";
import { nodeEngineClient } from "../lab/node-engine.ts";
import { REGISTRY_PORT } from "../lab/node-spec.ts";
import { RegistryClient } from "../lab/registry-client.ts";

/**
 * How collectors reach a lab: each node's own engine (TLS), the lab registry, and the
 * workspace folder on the host. Nothing else: no shell, no host socket inside the lab.
 */
export interface LabAccess {
  lab: LabId;
  /** The workspace folder on the host (mounted at /workspace on laptop). */
  workspace: string;
  /** The host engine, where the lab's node containers run. */
  host: Docker;
  engine(role: EngineRole): Promise<Docker>;
  registry(): Promise<RegistryClient>;
}

/** Opens a lab for checks; clients are made on first use and kept. */
export async function openLab(ctx: Pick<LabContext, "docker" | "lab" | "home">): Promise<LabAccess> {
  const found = await requireLab({ ...ctx, progress: () => {} });
  const settings = readSettings(ctx.home, ctx.lab);
  if (!settings) {
    throw new DrydockError(ErrorCode.labState, `Lab "${ctx.lab}" has no settings file in ${ctx.home}.`, {
      hint: `Run \`drydock lab up --lab ${ctx.lab}\` to repair it.`,
    });
  }
  const engines = new Map<EngineRole, Promise<Docker>>();
  let registry: Promise<RegistryClient> | undefined;
  let certs: ReturnType<typeof certsFromAnyNode> | undefined;
  const inspectNode = async (role: string) => {
    const summary = found.containers.get(role as EngineRole);
    if (summary?.State !== "running") {
      throw new DrydockError(ErrorCode.nodeEngine, `${role} is not running in lab "${ctx.lab}".`, {
        hint: `Run \`drydock lab up${ctx.lab === "default" ? "" : ` --lab ${ctx.lab}`}\` first.`,
      });
    }
    return ctx.docker.getContainer(summary.Id).inspect();
  };
  return {
    lab: ctx.lab,
    workspace: settings.workspace,
    host: ctx.docker,
    engine(role) {
      let client = engines.get(role);
      if (!client) {
        certs ??= certsFromAnyNode(ctx.docker, found);
        client = (async () => {
          const [info, c] = await Promise.all([inspectNode(role), certs]);
          if (!c) {
            throw new DrydockError(ErrorCode.nodeEngine, "The lab's client certificate could not be read.", {
              hint: "Run `drydock lab up` to repair the lab.",
            });
          }
          return nodeEngineClient(info, ctx.lab, c);
        })();
        client.catch(() => engines.delete(role));
        engines.set(role, client);
      }
      return client;
    },
    registry() {
      registry ??= inspectNode("registry").then(
        (info) => new RegistryClient(endpointOf(info, ctx.lab, REGISTRY_PORT)),
      );
      return registry;
    },
  };
}
