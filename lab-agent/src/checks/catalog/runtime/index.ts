import {
  containerHealthy,
  logsClean,
  pid1,
  readOnlyReady,
  restartPolicy,
  sigterm,
} from "../../runtime-checks.ts";

/** Hours 5-6 (and the image's read-only probe of hours 3-4): a running container and copies of it. */
export const runtimeChecks = [
  readOnlyReady,
  sigterm,
  pid1,
  containerHealthy,
  restartPolicy,
  logsClean,
] as const;
