/**
 * TEMPORARY (lead: remove once check-registry.ts builds CHECKS from `swarmChecks` of
 * catalog/swarm/index.ts): the h15-16 checks live one per file under catalog/swarm/.
 */
export { converged } from "./catalog/swarm/converged.ts";
export { dbSecret } from "./catalog/swarm/db-secret.ts";
export { swarmChecks } from "./catalog/swarm/index.ts";
export { overlay } from "./catalog/swarm/overlay.ts";
export { placement } from "./catalog/swarm/placement.ts";
export { resources } from "./catalog/swarm/resources.ts";
export { stackDeployed } from "./catalog/swarm/stack-deployed.ts";
export { swarmNodes } from "./catalog/swarm/swarm-nodes.ts";
