import { previousDigest, rollbackAutomatic, rolloutCompleted, updateConfig } from "../../rollout-checks.ts";

/** Hour 17: rolling updates and rollbacks of a stack's service. */
export const rolloutChecks = [updateConfig, rolloutCompleted, rollbackAutomatic, previousDigest] as const;
