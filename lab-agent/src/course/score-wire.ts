import * as z from "zod/mini";
import { CheckStatus } from "./check-wire.ts";

/**
 * Progress and scorecards as they cross a boundary: printed by `drydock progress --json`, served
 * by GET /api/progress (the progress page, the sidebar's marks) and by the scorecard routes the
 * mentor page uses. Defined once, here, for the agent, the CLI and the site (zod/mini, so the
 * site can ship them to the browser).
 */

export const DeliverableProgress = z.object({
  id: z.string(),
  title: z.string(),
  /** The latest verdict; absent when the deliverable was never checked. */
  status: z.optional(CheckStatus),
  at: z.optional(z.string()),
  ageSeconds: z.optional(z.number()),
  attempts: z.number().check(z.int(), z.nonnegative()),
  firstPassAt: z.optional(z.string()),
  /** Evidence of the latest result, for hashing into the scorecard. */
  evidence: z.optional(z.array(z.unknown())),
  summary: z.optional(z.string()),
});
export type DeliverableProgress = z.infer<typeof DeliverableProgress>;

export const BlockProgress = z.object({
  block: z.string(),
  title: z.string(),
  plannedMinutes: z.number(),
  terminalMinutes: z.number(),
  pageMinutes: z.number(),
  /** false: the lab has no checks for this block yet (its deliverables are judged elsewhere or later). */
  checked: z.boolean(),
  /** Every checked deliverable passes now. */
  finished: z.boolean(),
  deliverables: z.array(DeliverableProgress),
});
export type BlockProgress = z.infer<typeof BlockProgress>;

export const ProgressReport = z.object({
  lab: z.string(),
  at: z.string(),
  level: z.number().check(z.int()),
  provisionalLevel: z.number().check(z.int()),
  nextLevel: z.optional(
    z.object({ level: z.number().check(z.int()), name: z.string(), missing: z.array(z.string()) }),
  ),
  practiceMinutes: z.number(),
  plannedMinutes: z.number(),
  blocks: z.array(BlockProgress),
  /**
   * The six failure drills: done once the drill's last verification passed, failed when it did not,
   * not-run when Drydock runs the drill but the learner has not; not-checked-yet when it cannot yet.
   */
  drills: z.array(
    z.object({
      drill: z.string(),
      state: z.enum(["done", "failed", "not-run", "not-checked-yet"]),
      /** When the last verification ran (its drill's start). */
      at: z.optional(z.string()),
    }),
  ),
});
export type ProgressReport = z.infer<typeof ProgressReport>;

/** GET /api/progress: the report, plus the learner's display name when chosen. */
export const ProgressAnswer = z.extend(ProgressReport, { displayName: z.optional(z.string()) });
export type ProgressAnswer = z.infer<typeof ProgressAnswer>;

/** A scorecard as a mentor reads it, once verified (POST /api/scorecard/verify). */
export const ScorecardReview = z.object({
  verified: z.boolean(),
  /** Why it does not verify, naming what no longer matches. */
  reason: z.optional(z.string()),
  changed: z.array(z.string()),
  issuer: z.string(),
  /** Signed by this very installation (the mentor opened their own scorecard). */
  thisInstallation: z.boolean(),
  name: z.optional(z.string()),
  learner: z.optional(z.string()),
  validFrom: z.optional(z.string()),
  level: z.number(),
  provisionalLevel: z.number(),
  deliverables: z.array(
    z.object({
      key: z.string(),
      title: z.string(),
      status: z.string(),
      summary: z.string(),
      narrative: z.string(),
      /** The SHA-256 of the evidence the lab read (RFC 6920 ni: URI). */
      evidenceHash: z.string(),
    }),
  ),
  practice: z.array(z.object({ block: z.string(), minutes: z.number(), plannedMinutes: z.number() })),
  /** What the rubric leaves to a mentor, and whether a review already in the scorecard signed it off. */
  mentorItems: z.array(
    z.object({ item: z.string(), title: z.string(), level: z.number(), signedOffBy: z.optional(z.string()) }),
  ),
});
export type ScorecardReview = z.infer<typeof ScorecardReview>;

/** What an endorsement answers with: the signed review and its verification against the scorecard. */
export const EndorsementAnswer = z.object({
  review: z.record(z.string(), z.unknown()),
  verified: z.boolean(),
  boundToScorecard: z.boolean(),
  fileName: z.string(),
});
export type EndorsementAnswer = z.infer<typeof EndorsementAnswer>;
