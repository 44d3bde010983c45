import { loadInstallationKey } from "../score/installation-key.ts";
import { readProgress } from "../score/learner-progress.ts";
import { buildScorecard, signScorecard } from "../score/scorecard.ts";
import type { WorkshopState } from "./event-schema.ts";

/** One learner's signed scorecard, as a file of the lead's export. */
export interface LearnerScorecard {
  learner: string;
  fileName: string;
  scorecard: Record<string, unknown>;
}

/**
 * Every learner's scorecard at the end of a workshop: the same signed Open Badges 3.0 credential
 * `drydock scorecard export` writes, from their own lab's progress, named as on the roster, and
 * signed by this installation's key (the mentor page and `drydock scorecard verify` check it).
 * None of the host owner's imported mentor reviews count in a learner's level.
 */
export async function learnerScorecards(
  home: string,
  state: WorkshopState,
  now = new Date(),
): Promise<LearnerScorecard[]> {
  const key = await loadInstallationKey(home);
  const out: LearnerScorecard[] = [];
  for (const entry of [...state.roster].sort((a, b) => a.seat - b.seat)) {
    const { report, level } = readProgress(home, entry.lab, now.getTime(), { name: entry.name });
    const card = buildScorecard({ report, level, displayName: entry.name, key, now, endorsements: [] });
    out.push({
      learner: entry.id,
      fileName: scorecardFileName(entry.seat, entry.name),
      scorecard: await signScorecard(card, key),
    });
  }
  return out;
}

/** `scorecard-03-ana-lima.json`: by seat (unique), then a readable ASCII slug of the name. */
export function scorecardFileName(seat: number, name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 40);
  return `scorecard-${String(seat).padStart(2, "0")}${slug ? `-${slug}` : ""}.json`;
}

/** The export's file name: one per event, like the results CSV. */
export function scorecardsFileName(state: WorkshopState): string {
  return `scorecards-${state.event.id}.zip`;
}
