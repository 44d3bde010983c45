import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { DRILLS } from "../drills/drill-catalog.ts";
import { loadRuns } from "../drills/drill-state.ts";
import { loadAllExercises } from "../exercises/load-exercises.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { progressReport } from "./progress-report.ts";
import { loadRubric } from "./rubric-schema.ts";

/**
 * The learner's own records beside the check results in progress.db: display name, the
 * scorecards this installation exported, the mentor reviews imported. Read by the CLI
 * (`drydock progress`, `scorecard …`) and the agent (GET /api/progress).
 */
export const DISPLAY_NAME = "displayName";
/** Scorecards this installation exported: id → digest (a review must be bound to one of them). */
export const EXPORTED = "exportedScorecards";
/** Mentor reviews imported: signed EndorsementCredentials. */
export const REVIEWS = "reviews";
export const Exported = z.record(z.string(), z.string());
export const Reviews = z.array(z.record(z.string(), z.unknown()));

export function readProfileJson<T>(store: ProgressStore, key: string, schema: z.ZodType<T>, empty: T): T {
  const text = store.getProfile(key);
  if (text === undefined) return empty;
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    throw new DrydockError(ErrorCode.labState, `progress.db's ${key} entry is damaged.`, {
      hint: "Report it; the check results are not affected.",
    });
  }
}

/**
 * A workshop learner's lab is theirs, not this installation's owner's: their progress carries the
 * roster's name and none of the owner's imported reviews (`owner`).
 */
export interface ProgressOwner {
  name: string;
}

export function readProgress(home: string, lab: string, now = Date.now(), owner?: ProgressOwner) {
  const store = new ProgressStore(home);
  try {
    const reviews = owner ? [] : readProfileJson(store, REVIEWS, Reviews, []);
    const signedOff = new Set(
      reviews.flatMap((r) =>
        ((r.drydockReview as { signOffs?: Array<{ item: string }> })?.signOffs ?? []).map((s) => s.item),
      ),
    );
    return {
      ...progressReport({
        lab,
        now,
        exercises: loadAllExercises(),
        stats: store.deliverableStats(lab),
        practice: store.practiceTime(lab),
        rubric: loadRubric(),
        signedOff,
        drills: { implemented: new Set(Object.keys(DRILLS)), runs: loadRuns(home, lab) },
      }),
      displayName: owner ? owner.name : store.getProfile(DISPLAY_NAME),
      reviews,
    };
  } finally {
    store.close();
  }
}
