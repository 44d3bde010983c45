import Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { withTimeout } from "../engine/find-engine.ts";
import { containerLogTail } from "./container-logs.ts";
import type { ClientCerts } from "./lab-certs.ts";
import { endpointOf } from "./lab-endpoints.ts";
import type { EngineRole, LabId } from "./lab-names.ts";
import { ENGINE_PORT } from "./node-spec.ts";

/** A dockerode client for one lab node's own engine, over TLS with the lab's client certificate. */
export function nodeEngineClient(info: Docker.ContainerInspectInfo, lab: LabId, certs: ClientCerts): Docker {
  const { host, port } = endpointOf(info, lab, ENGINE_PORT);
  return new Docker({
    host,
    port,
    protocol: "https",
    ca: certs.ca,
    cert: certs.cert,
    key: certs.key,
    timeout: 0,
  });
}

export interface WaitForEngineOptions {
  hostDocker: Docker;
  containerId: string;
  role: EngineRole;
  timeoutMs?: number;
}

/**
 * Polls the node engine until it answers. Fails fast with the node's log tail when
 * the container stops, or after the timeout.
 */
export async function waitForEngine(client: Docker, opts: WaitForEngineOptions): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError = "no answer yet";
  let nextStateCheck = 0;
  while (Date.now() < deadline) {
    try {
      await withTimeout(client.ping(), 2_000, "no answer within 2 s");
      return;
    } catch (err) {
      lastError = errorMessage(err);
    }
    if (Date.now() >= nextStateCheck) {
      nextStateCheck = Date.now() + 1_000;
      const state = await opts.hostDocker
        .getContainer(opts.containerId)
        .inspect()
        .then((i) => i.State)
        .catch(() => undefined);
      // "Restarting" counts as down: the restart policy is looping on a failing engine.
      if (!state?.Running || state.Restarting) {
        throw await engineDown(opts, `its container stopped (exit code ${state?.ExitCode ?? "unknown"})`);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw await engineDown(
    opts,
    `it did not answer within ${Math.round((opts.timeoutMs ?? 60_000) / 1000)} s (${lastError})`,
  );
}

async function engineDown(opts: WaitForEngineOptions, why: string): Promise<DrydockError> {
  return new DrydockError(
    ErrorCode.nodeEngine,
    `The Docker engine on ${opts.role} did not come up: ${why}.`,
    {
      details: `Last lines of ${opts.role}'s log:\n${await containerLogTail(opts.hostDocker, opts.containerId)}`,
      hint: "`drydock lab up` rebuilds a node whose engine does not answer; if it keeps failing, the log above says why.",
    },
  );
}
