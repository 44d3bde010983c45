import { cacheOrder } from "./cache-order.ts";
import { healthcheck } from "./healthcheck.ts";
import { ociLabels } from "./labels-oci.ts";
import { multiStage } from "./multistage.ts";
import { runtimeLean } from "./runtime-lean.ts";
import { noSecrets } from "./secrets-none.ts";
import { nonRoot } from "./user-nonroot.ts";

/** The hours 3-4 checks (image.readonly.healthy is a runtime probe: catalog/runtime). */
export const imageChecks = [
  multiStage,
  cacheOrder,
  nonRoot,
  ociLabels,
  healthcheck,
  runtimeLean,
  noSecrets,
] as const;
