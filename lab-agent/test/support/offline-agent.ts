import { join } from "node:path";
import Docker from "dockerode";
import pino from "pino";
import {
  type AgentServer,
  type AgentServerOptions,
  startAgentServer,
} from "../../src/server/agent-server.ts";
import { dockerLabStarter } from "../../src/workshop/docker-lab-starter.ts";
import { drydock } from "./cli.ts";

/**
 * The real agent server in-process with no engine (`noLab`, a Docker client on a socket that does
 * not exist), on a free loopback port, logging nothing: for API tests that need no lab.
 */
export function startOfflineAgent(
  opts: { home: string; token: string; lab: string } & Partial<AgentServerOptions>,
) {
  return startAgentServer({
    host: "127.0.0.1",
    port: 0,
    docker: new Docker({ socketPath: join(opts.home, "no-such.sock") }),
    version: "test",
    log: pino({ level: "silent" }),
    noLab: true,
    ...opts,
  });
}

/** A JSON request to the agent as a credential (none: anonymous); a body makes it a POST. An empty answer reads as {}. */
export async function callAgent(origin: string, path: string, as?: string, body?: unknown) {
  const res = await fetch(`${origin}${path}`, {
    method: body !== undefined ? "POST" : "GET",
    headers: {
      ...(as ? { Authorization: `Bearer ${as}` } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: the tests read answers field by field.
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

/**
 * A workshop on real labs: `drydock workshop start --seats N [startFlags…]` in `home`, then the
 * real agent in-process with the real lab starter (no lab of the lead's), on a free loopback port.
 * Returns the agent, the event's code and what `workshop start --json` said (its capacity line).
 */
export async function startWorkshopAgent(
  opts: {
    home: string;
    token: string;
    docker: Docker;
    seats: number;
    startFlags?: string[];
  } & Partial<AgentServerOptions>,
): Promise<{ agent: AgentServer; code: string; capacity: string }> {
  const { seats, startFlags = [], ...server } = opts;
  const start = await drydock(
    ["workshop", "start", "--seats", String(seats), ...startFlags, "--force", "--json"],
    { home: opts.home },
  );
  if (start.code !== 0)
    throw new Error(`drydock workshop start failed (exit ${start.code}): ${start.stderr}`);
  const said = JSON.parse(start.stdout) as { event: { code: string }; capacity: { message: string } };
  const code = said.event.code;
  const agent = await startAgentServer({
    host: "127.0.0.1",
    port: 0,
    lab: "lead",
    version: "test",
    log: pino({ level: "silent" }),
    // No lab of the lead's: only the learners' labs are started, by the real starter.
    noLab: true,
    learnerLabs: dockerLabStarter(opts.docker),
    ...server,
  });
  return { agent, code, capacity: said.capacity.message };
}
