import { previousDigest } from "./previous-digest.ts";
import { rollbackAutomatic } from "./rollback-automatic.ts";
import { rolloutCompleted } from "./rollout-completed.ts";
import { updateConfig } from "./update-config.ts";

/** Hour 17's checks: rolling update and rollback of a stack service. */
export const rolloutChecks = [updateConfig, rolloutCompleted, rollbackAutomatic, previousDigest] as const;
export { previousDigest, rollbackAutomatic, rolloutCompleted, updateConfig };
