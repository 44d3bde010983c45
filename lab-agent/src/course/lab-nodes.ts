/**
 * The nodes of one lab, by role, for the agent, the CLI and the site: `registry`, then the four
 * Docker engines. Container and volume names are built from these in lab/lab-names.ts.
 */
export const ENGINE_ROLES = ["laptop", "manager-1", "worker-1", "worker-2"] as const;
export type EngineRole = (typeof ENGINE_ROLES)[number];
/** The engines that form the swarm (Hour 15). */
export const SWARM_ROLES = ["manager-1", "worker-1", "worker-2"] as const satisfies readonly EngineRole[];
export const ROLES = ["registry", ...ENGINE_ROLES] as const;
export type Role = (typeof ROLES)[number];
/** Nodes a terminal can open on: every engine (the registry has no shell). */
export const TERMINAL_NODES = ENGINE_ROLES;
export type TerminalNode = EngineRole;
