import { containerHealthy } from "./healthy.ts";
import { logsClean } from "./logs-json.ts";
import { pid1 } from "./pid1.ts";
import { readOnlyReady } from "./readonly-healthy.ts";
import { restartPolicy } from "./restart.ts";
import { sigterm } from "./sigterm.ts";

export const runtimeChecks = [
  readOnlyReady,
  sigterm,
  pid1,
  containerHealthy,
  restartPolicy,
  logsClean,
] as const;
