import { z } from "zod";
import type { EngineRole, Role, SWARM_ROLES } from "../course/lab-nodes.ts";

/** A lab id names every resource of one lab: containers, network, volumes. */
export const LabId = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,23}$/,
    "a lab id is 1-24 characters: lowercase letters, digits and dashes, starting with a letter",
  );
export type LabId = z.infer<typeof LabId>;

export const DEFAULT_LAB = "default";

// The node roles are the course model's (agent, CLI and site share them).
export { ENGINE_ROLES, type EngineRole, ROLES, type Role, SWARM_ROLES } from "../course/lab-nodes.ts";

export const LABEL = {
  managed: "io.drydock.managed",
  lab: "io.drydock.lab",
  role: "io.drydock.role",
  purpose: "io.drydock.purpose",
  imageHash: "io.drydock.image-hash",
} as const;

export function labLabels(lab: LabId, extra: Record<string, string> = {}): Record<string, string> {
  return { [LABEL.managed]: "true", [LABEL.lab]: lab, ...extra };
}

export function containerName(lab: LabId, role: Role): string {
  return `drydock-${lab}-${role}`;
}

export function networkName(lab: LabId): string {
  return `drydock-${lab}`;
}

/** Volumes: `certs`, `registry-data`, and `<role>-docker` for each engine's /var/lib/docker. */
export function volumeName(lab: LabId, purpose: string): string {
  return `drydock-${lab}-${purpose}`;
}

export function engineVolumePurpose(role: EngineRole): string {
  return `${role}-docker`;
}

/** Node labels the swarm shortcut applies, for placement drills. */
export const SWARM_NODE_LABELS: Record<(typeof SWARM_ROLES)[number], Record<string, string>> = {
  "manager-1": {},
  "worker-1": { workload: "app" },
  "worker-2": { workload: "app", stateful: "true" },
};
