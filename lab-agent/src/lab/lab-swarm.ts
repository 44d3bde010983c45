import type Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { step } from "../common/progress.ts";
import { withTimeout } from "../engine/find-engine.ts";
import { ipvsSupport, ipvsWarning } from "./ipvs-support.ts";
import { labAddressOf } from "./lab-endpoints.ts";
import type { LabContext } from "./lab-lifecycle.ts";
import { requireLab } from "./lab-lifecycle.ts";
import { SWARM_NODE_LABELS, SWARM_ROLES } from "./lab-names.ts";
import { certsFromAnyNode } from "./lab-status.ts";
import { nodeEngineClient } from "./node-engine.ts";

type SwarmRole = (typeof SWARM_ROLES)[number];

export interface SwarmNodeSummary {
  hostname: string;
  role: "manager" | "worker";
  state: string;
  availability: string;
  labels: Record<string, string>;
}

interface SwarmMember {
  role: SwarmRole;
  client: Docker;
  address: string;
}

/**
 * The Hour 15 shortcut: manager-1 inits, workers join, placement labels are set.
 * Safe to run again: nodes already in this swarm are left as they are.
 */
export async function formSwarm(ctx: LabContext): Promise<SwarmNodeSummary[]> {
  const members = await swarmMembers(ctx);
  const [manager, ...workers] = members as [SwarmMember, ...SwarmMember[]];
  const nodes = await step(ctx.progress, "swarm", "Forming the swarm (manager-1 + 2 workers)", async () => {
    const info = await manager.client.info();
    if (info.Swarm?.LocalNodeState !== "active") {
      await manager.client.swarmInit({ ListenAddr: "0.0.0.0:2377", AdvertiseAddr: manager.address });
    } else if (!info.Swarm?.ControlAvailable) {
      throw new DrydockError(ErrorCode.labState, "manager-1 is in a swarm but is not a manager there.", {
        hint: `Reset the engines with \`drydock lab reset --lab ${ctx.lab}\` and form the swarm again.`,
      });
    }
    const swarm = (await manager.client.swarmInspect()) as { JoinTokens: { Worker: string } };
    const ids = await Promise.all(workers.map((w) => joinWorker(w, manager, swarm)));
    const current = new Set([info.Swarm?.NodeID, ...ids].filter((id): id is string => Boolean(id)));
    // A manager that had to init has a new id: read it again.
    const managerId = (await manager.client.info()).Swarm?.NodeID;
    if (managerId) current.add(managerId);
    await removeStaleNodes(manager.client, current);
    await waitForReadyNodes(manager.client, SWARM_ROLES.length);
    await applyNodeLabels(manager.client);
    return summarize(manager.client);
  });
  const warning = ipvsWarning(ipvsSupport(), ctx.lab);
  if (warning) ctx.progress({ kind: "warn", message: warning });
  return nodes;
}

async function swarmMembers(ctx: LabContext): Promise<SwarmMember[]> {
  const found = await requireLab(ctx);
  const certs = await certsFromAnyNode(ctx.docker, found);
  return Promise.all(
    SWARM_ROLES.map(async (role) => {
      const summary = found.containers.get(role);
      const notReady = (why: string) =>
        new DrydockError(ErrorCode.nodeEngine, `${role}'s engine is not available: ${why}.`, {
          hint: `Run \`drydock lab up${ctx.lab === "default" ? "" : ` --lab ${ctx.lab}`}\` to start or repair the lab, then try again.`,
        });
      if (!summary) throw notReady("its container is missing");
      if (summary.State !== "running") throw notReady(`its container is ${summary.State}`);
      if (!certs) throw notReady("the lab's client certificate could not be read");
      const info = await ctx.docker.getContainer(summary.Id).inspect();
      const client = nodeEngineClient(info, ctx.lab, certs);
      await withTimeout(client.ping(), 3_000, "no answer within 3 s").catch((err) => {
        throw notReady(errorMessage(err));
      });
      const address = labAddressOf(info, ctx.lab);
      if (!address) throw notReady("it has no address on the lab network");
      return { role, client, address };
    }),
  );
}

/** How long a known member that says "pending" is waited for before it is made to rejoin. */
const RECONNECT_MS = 120_000;

async function joinWorker(
  worker: SwarmMember,
  manager: SwarmMember,
  swarm: { JoinTokens: { Worker: string } },
): Promise<string | undefined> {
  let info = await worker.client.info();
  // Workers do not see the cluster id; the manager knowing their node id is what says "member".
  const known = async (id: string | undefined) =>
    id !== undefined && id !== "" && (await manager.client.listNodes()).some((n) => n.ID === id);
  // An engine that just restarted (hour 18 restarts them) says "pending" while it reconnects. Leaving
  // then would rejoin it under a new node id beside its old entry: two nodes named worker-1, and
  // every `docker node … worker-1` fails as ambiguous, and its tasks can stay pending. So a known
  // member is given time to reconnect: on a loaded 2-core host that took more than 30 s.
  for (let waited = 0; info.Swarm?.LocalNodeState === "pending" && waited < RECONNECT_MS; waited += 500) {
    if (!(await known(info.Swarm?.NodeID))) break;
    await new Promise((r) => setTimeout(r, 500));
    info = await worker.client.info();
  }
  const state = info.Swarm?.LocalNodeState;
  if (state === "active" && (await known(info.Swarm?.NodeID))) return info.Swarm?.NodeID;
  if (state === "active" || state === "pending" || state === "error") {
    await worker.client.swarmLeave({ force: true });
  }
  await worker.client.swarmJoin({
    ListenAddr: "0.0.0.0:2377",
    AdvertiseAddr: worker.address,
    RemoteAddrs: [`${manager.address}:2377`],
    JoinToken: swarm.JoinTokens.Worker,
  });
  return (await worker.client.info()).Swarm?.NodeID;
}

/**
 * Entries a rejoin left behind: a lab node's hostname on a node id that is none of the engines'
 * own. Removed, so that names stay unique (`docker node inspect worker-1` is ambiguous otherwise).
 */
async function removeStaleNodes(manager: Docker, current: Set<string>): Promise<void> {
  const ours = new Set<string>(SWARM_ROLES);
  for (const node of await manager.listNodes()) {
    if (!node.ID || current.has(node.ID) || !ours.has(node.Description?.Hostname ?? "")) continue;
    if (node.Status?.State === "ready") continue;
    await manager
      .getNode(node.ID)
      .remove({ force: true })
      .catch(() => {});
  }
}

async function waitForReadyNodes(manager: Docker, count: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let ready = 0;
  while (Date.now() < deadline) {
    const nodes = await manager.listNodes();
    ready = nodes.filter((n) => n.Status?.State === "ready").length;
    if (ready >= count) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new DrydockError(
    ErrorCode.nodeEngine,
    `Only ${ready} of ${count} swarm nodes became Ready within ${timeoutMs / 1000} s.`,
    {
      hint: "Look at `docker node ls` on manager-1 for the node that is down, then run `drydock lab swarm` again.",
    },
  );
}

async function applyNodeLabels(manager: Docker): Promise<void> {
  for (const node of await manager.listNodes()) {
    const hostname = node.Description?.Hostname as SwarmRole | undefined;
    const wanted = hostname ? SWARM_NODE_LABELS[hostname] : undefined;
    if (!wanted || !node.Spec || !node.Version) continue;
    const labels = { ...(node.Spec.Labels ?? {}) };
    if (Object.entries(wanted).every(([k, v]) => labels[k] === v)) continue;
    await manager
      .getNode(node.ID as string)
      .update({ version: node.Version.Index, ...node.Spec, Labels: { ...labels, ...wanted } });
  }
}

async function summarize(manager: Docker): Promise<SwarmNodeSummary[]> {
  const nodes = await manager.listNodes();
  return nodes
    .map((n) => ({
      hostname: n.Description?.Hostname ?? "?",
      role: (n.Spec?.Role === "manager" ? "manager" : "worker") as "manager" | "worker",
      state: n.Status?.State ?? "unknown",
      availability: n.Spec?.Availability ?? "unknown",
      labels: (n.Spec?.Labels ?? {}) as Record<string, string>,
    }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname));
}
