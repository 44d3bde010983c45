import { converged } from "./converged.ts";
import { dbSecret } from "./db-secret.ts";
import { overlay } from "./overlay.ts";
import { placement } from "./placement.ts";
import { resources } from "./resources.ts";
import { stackDeployed } from "./stack-deployed.ts";
import { swarmNodes } from "./swarm-nodes.ts";

/** The checks of hours 15-16 (Swarm stack deploy), in the order the exercise lists them. */
export const swarmChecks = [
  swarmNodes,
  stackDeployed,
  overlay,
  converged,
  placement,
  resources,
  dbSecret,
] as const;
