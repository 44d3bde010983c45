import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { type EngineRole, SWARM_ROLES } from "../course/lab-nodes.ts";

/**
 * Every node's shell history lives in the learner's workspace, so it outlives a page reload, a
 * `lab reset` (fresh engines) and `lab down`, and hours 1-2's check reads the `inspect` practice
 * from it. Laptop has the whole workspace mounted; the swarm nodes get one folder each.
 */
export const LAPTOP_HISTORY = ".laptop_history";
export const NODE_HISTORY_DIR = ".node-history";
/** Where a swarm node sees its history folder. */
export const HISTORY_MOUNT = "/root/.drydock-history";

/** The node's history file, relative to the workspace. */
export function historyFile(role: EngineRole): string {
  return role === "laptop" ? LAPTOP_HISTORY : `${NODE_HISTORY_DIR}/${role}/bash_history`;
}

/** The bind of a swarm node's history folder (laptop's history is in its /workspace). */
export function historyBinds(workspace: string, role: EngineRole): string[] {
  return role === "laptop" ? [] : [`${join(workspace, NODE_HISTORY_DIR, role)}:${HISTORY_MOUNT}`];
}

/** Made by us before the nodes start, so they are the learner's, not root's (Docker would make them as root). */
export function ensureHistoryDirs(workspace: string): void {
  for (const role of SWARM_ROLES) mkdirSync(join(workspace, NODE_HISTORY_DIR, role), { recursive: true });
}

/** A node created before histories were kept has no such mount: its shells keep bash's default. */
export function hasHistoryMount(
  role: EngineRole,
  info: Pick<Docker.ContainerInspectInfo, "Mounts">,
): boolean {
  return role === "laptop" || (info.Mounts ?? []).some((m) => m.Destination === HISTORY_MOUNT);
}

/** The shell's environment: each command written as soon as it ran (`history -a`). */
export function historyEnv(role: EngineRole, mounted: boolean): string[] {
  if (!mounted) return [];
  const file = role === "laptop" ? `/workspace/${LAPTOP_HISTORY}` : `${HISTORY_MOUNT}/bash_history`;
  return ["-e", `HISTFILE=${file}`, "-e", "HISTSIZE=5000", "-e", "PROMPT_COMMAND=history -a"];
}
