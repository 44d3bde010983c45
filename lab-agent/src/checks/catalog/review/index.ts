import { adrWritten } from "./adr.ts";
import { releaseChecklist } from "./release-checklist.ts";
import { threeRisks } from "./risks.ts";

/** Hour 20: the review documents, judged for structure and links to evidence (never prose). */
export const reviewChecks = [adrWritten, releaseChecklist, threeRisks] as const;
