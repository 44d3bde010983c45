import { existsSync } from "node:fs";
import { join } from "node:path";
import type { DockerOptions } from "dockerode";

/**
 * Where a Docker Engine might answer, in the order the docker CLI looks:
 * DOCKER_HOST first, then the default socket, then a rootless one.
 * A strategy returns undefined when it does not apply (as testcontainers does).
 */
export interface EngineCandidate {
  /** Human-readable, e.g. "DOCKER_HOST=unix:///run/docker.sock". */
  description: string;
  options: DockerOptions;
}

export type EngineStrategy = (env: NodeJS.ProcessEnv) => EngineCandidate | undefined;

export const DEFAULT_SOCKET = "/var/run/docker.sock";

export const fromDockerHost: EngineStrategy = (env) => {
  const value = env.DOCKER_HOST?.trim();
  if (!value) return undefined;
  const description = `DOCKER_HOST=${value}`;
  if (value.startsWith("unix://"))
    return { description, options: { socketPath: value.slice("unix://".length) } };
  const url = new URL(value.replace(/^tcp:\/\//, "http://"));
  const tls = env.DOCKER_TLS_VERIFY === "1" || url.port === "2376";
  return {
    description,
    options: {
      host: url.hostname,
      port: Number(url.port || (tls ? 2376 : 2375)),
      protocol: tls ? "https" : "http",
    },
  };
};

export const fromDefaultSocket: EngineStrategy = () => ({
  description: `the default socket ${DEFAULT_SOCKET}`,
  options: { socketPath: DEFAULT_SOCKET },
});

export const fromRootlessSocket: EngineStrategy = (env) => {
  const dir = env.XDG_RUNTIME_DIR;
  if (!dir) return undefined;
  const socketPath = join(dir, "docker.sock");
  if (!existsSync(socketPath)) return undefined;
  return { description: `the rootless socket ${socketPath}`, options: { socketPath } };
};

/** When DOCKER_HOST is set it is the user's choice, and the only place we look. */
export function engineCandidates(env: NodeJS.ProcessEnv = process.env): EngineCandidate[] {
  const explicit = fromDockerHost(env);
  if (explicit) return [explicit];
  return [fromDefaultSocket, fromRootlessSocket].flatMap((s) => s(env) ?? []);
}
