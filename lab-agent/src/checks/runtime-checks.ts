/**
 * The runtime checks moved to catalog/runtime/ (one file per check, issue 11); this module only
 * keeps the old import path for check-registry.ts until it builds CHECKS from `runtimeChecks`.
 */

export { containerHealthy } from "./catalog/runtime/healthy.ts";
export { runtimeChecks } from "./catalog/runtime/index.ts";
export { logsClean } from "./catalog/runtime/logs-json.ts";
export { pid1 } from "./catalog/runtime/pid1.ts";
export { readOnlyReady } from "./catalog/runtime/readonly-healthy.ts";
export { restartPolicy } from "./catalog/runtime/restart.ts";
export { sigterm } from "./catalog/runtime/sigterm.ts";
