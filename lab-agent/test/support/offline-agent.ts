import { join } from "node:path";
import Docker from "dockerode";
import pino from "pino";
import { type AgentServerOptions, startAgentServer } from "../../src/server/agent-server.ts";

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

/** A JSON request to the agent as a credential (none: anonymous); a body makes it a POST. */
export async function callAgent(origin: string, path: string, as?: string, body?: unknown) {
  const res = await fetch(`${origin}${path}`, {
    method: body !== undefined ? "POST" : "GET",
    headers: {
      ...(as ? { Authorization: `Bearer ${as}` } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read answers field by field.
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}
