import {
  converged,
  dbSecret,
  overlay,
  placement,
  resources,
  stackDeployed,
  swarmNodes,
} from "../../swarm-checks.ts";

/** Hours 15-16: the swarm and the stack deployed on it. */
export const swarmChecks = [
  swarmNodes,
  stackDeployed,
  converged,
  placement,
  resources,
  dbSecret,
  overlay,
] as const;
