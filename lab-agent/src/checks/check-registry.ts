import {
  previousDigest,
  rollbackAutomatic,
  rolloutCompleted,
  updateConfig,
} from "./catalog/rollout/index.ts";
import type { CheckDefinition } from "./check-definition.ts";
import {
  cacheOrder,
  healthcheck,
  multiStage,
  nonRoot,
  noSecrets,
  ociLabels,
  runtimeLean,
} from "./image-checks.ts";
import {
  containerHealthy,
  logsClean,
  pid1,
  readOnlyReady,
  restartPolicy,
  sigterm,
} from "./runtime-checks.ts";
import {
  converged,
  dbSecret,
  overlay,
  placement,
  resources,
  stackDeployed,
  swarmNodes,
} from "./swarm-checks.ts";

/**
 * A check of any parameter and fact types: the runner parses params with the check's own
 * schema and hands its own facts back to it, so the types meet inside each definition.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; each entry is fully typed where it is defined.
export type AnyCheck = CheckDefinition<any, any>;

/** Every check an exercise may name, by id. */
export const CHECKS: ReadonlyMap<string, AnyCheck> = new Map(
  [
    multiStage,
    cacheOrder,
    nonRoot,
    ociLabels,
    healthcheck,
    runtimeLean,
    noSecrets,
    readOnlyReady,
    sigterm,
    pid1,
    containerHealthy,
    restartPolicy,
    logsClean,
    swarmNodes,
    stackDeployed,
    converged,
    placement,
    resources,
    dbSecret,
    overlay,
    updateConfig,
    rolloutCompleted,
    rollbackAutomatic,
    previousDigest,
  ].map((c) => [c.id, c as AnyCheck]),
);
