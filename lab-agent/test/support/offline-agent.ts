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
