import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: image definitions under docker/ are read from here. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export const dockerDefinitionsDir = join(repoRoot, "docker");

/** Drydock's own data: lab state, workspaces, the daemon log. Override with DRYDOCK_HOME. */
export function drydockHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DRYDOCK_HOME) return resolve(env.DRYDOCK_HOME);
  const xdg = env.XDG_DATA_HOME || join(homedir(), ".local", "share");
  return join(xdg, "drydock");
}
