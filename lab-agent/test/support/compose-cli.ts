import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type CommandResult, runCommand } from "../../src/common/run-command.ts";

/**
 * A Docker Compose v2 for the host's docker CLI. Debian bookworm's docker.io has none (its
 * `docker-compose` package is Compose v1, 1.29, which compose.yml does not target), so when
 * `docker compose` is missing this takes the plugin the lab node image carries (Debian trixie's
 * docker-compose 2.26, a Go binary needing only libc) out of drydock/lab-node into
 * `configDir`/cli-plugins, and returns the environment whose DOCKER_CONFIG finds it.
 * Nothing is installed on the host.
 */
export async function composeEnv(configDir: string): Promise<NodeJS.ProcessEnv> {
  if ((await runCommand("docker", ["compose", "version"]).catch(() => undefined))?.code === 0) {
    return { ...process.env };
  }
  const plugins = join(configDir, "cli-plugins");
  mkdirSync(plugins, { recursive: true });
  const created = await runCommand("docker", ["create", "drydock/lab-node:latest"]);
  if (created.code !== 0) throw new Error(`docker create drydock/lab-node: ${created.stderr}`);
  const id = created.stdout.trim();
  try {
    const cp = await runCommand("docker", [
      "cp",
      `${id}:/usr/libexec/docker/cli-plugins/docker-compose`,
      join(plugins, "docker-compose"),
    ]);
    if (cp.code !== 0) throw new Error(`docker cp docker-compose: ${cp.stderr}`);
  } finally {
    await runCommand("docker", ["rm", id]);
  }
  chmodSync(join(plugins, "docker-compose"), 0o755);
  const env = { ...process.env, DOCKER_CONFIG: configDir };
  const version = await runCommand("docker", ["compose", "version"], { env });
  if (version.code !== 0) throw new Error(`the lab node's Compose does not run here: ${version.stderr}`);
  return env;
}

/** `docker compose ARGS` with `env` (compose.yml reads ${PWD} and DRYDOCK_* from it). */
export function compose(args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> {
  return runCommand("docker", ["compose", ...args], { env });
}
