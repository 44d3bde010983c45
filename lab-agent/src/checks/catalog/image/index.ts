import {
  cacheOrder,
  healthcheck,
  multiStage,
  nonRoot,
  noSecrets,
  ociLabels,
  runtimeLean,
} from "../../image-checks.ts";

/** Hours 3-4: the Dockerfile and the image built from it. */
export const imageChecks = [
  multiStage,
  cacheOrder,
  nonRoot,
  ociLabels,
  healthcheck,
  runtimeLean,
  noSecrets,
] as const;
