import type Docker from "dockerode";
import { containerName, type LabId } from "../lab/lab-names.ts";
import { historyEnv } from "../lab/node-history.ts";
import type { TerminalId, TerminalNode } from "./protocol.ts";

/** Where a login shell starts: the learner's workspace on laptop, root's home elsewhere. */
export function workingDir(node: TerminalNode): string {
  return node === "laptop" ? "/workspace" : "/root";
}

/**
 * The host docker CLI's argv for one terminal: a login shell in the node. An array,
 * never a shell string; every value in it comes from validated ids, none from input.
 * `docker` inside the node talks to the node's own engine (its default socket); on
 * laptop the `swarm` context made by the node's entrypoint reaches manager-1.
 * DRYDOCK_TERMINAL tags the shell and its children so `hangUp` can find them.
 */
export function terminalArgv(
  lab: LabId,
  node: TerminalNode,
  id: TerminalId,
  /** Whether the node has its history folder (lab/node-history.ts); laptop always has. */
  historyMounted = node === "laptop",
): string[] {
  return [
    "exec",
    "-it",
    "-w",
    workingDir(node),
    "-e",
    "TERM=xterm-256color",
    "-e",
    "LANG=C.UTF-8",
    "-e",
    `DRYDOCK_TERMINAL=${id}`,
    ...historyEnv(node, historyMounted),
    containerName(lab, node),
    "bash",
    "-l",
  ];
}

/**
 * The environment of the host docker CLI: only what it needs, pointing it at the
 * engine the agent itself uses (so a user's other docker context cannot redirect it).
 * The agent's own secrets (its token) are never in here.
 */
export function dockerCliEnv(
  hostDocker: Docker,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {
    PATH: env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    TERM: "xterm-256color",
    LANG: "C.UTF-8",
  };
  if (env.HOME) out.HOME = env.HOME;
  for (const key of ["DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]) {
    const value = env[key];
    if (value) out[key] = value;
  }
  const modem = (hostDocker as unknown as { modem: { socketPath?: string; host?: string; port?: number } })
    .modem;
  if (env.DOCKER_HOST) out.DOCKER_HOST = env.DOCKER_HOST;
  else if (modem.socketPath) out.DOCKER_HOST = `unix://${modem.socketPath}`;
  else if (modem.host) out.DOCKER_HOST = `tcp://${modem.host}:${modem.port ?? 2375}`;
  return out;
}

// Finds the processes tagged with the terminal id ($1, passed as an argument, not
// interpolated) and hangs them up, as closing a real terminal would.
const HANG_UP_SCRIPT = `for p in /proc/[0-9]*; do
  if tr '\\0' '\\n' < "$p/environ" 2>/dev/null | grep -qx "DRYDOCK_TERMINAL=$1"; then kill -HUP "\${p#/proc/}" 2>/dev/null; fi
done; exit 0`;

/**
 * Killing the `docker exec` client does not end the shell inside the node (the engine
 * keeps an exec running when its client goes), so closing a terminal also hangs up
 * its shell and children there.
 */
export async function hangUp(
  hostDocker: Docker,
  lab: LabId,
  node: TerminalNode,
  id: TerminalId,
): Promise<void> {
  const exec = await hostDocker.getContainer(containerName(lab, node)).exec({
    Cmd: ["sh", "-c", HANG_UP_SCRIPT, "sh", id],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on("end", () => resolve());
    stream.on("error", () => resolve());
    stream.resume();
  });
}
