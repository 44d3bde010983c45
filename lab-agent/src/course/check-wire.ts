import * as z from "zod/mini";

/**
 * The check results as they cross a boundary: stored in progress.db, printed by `drydock check
 * --json`, served by GET/POST /api/checks/<block> and pushed on /api/checks/<block>/events.
 * Defined once, here, for the agent, the CLI and the site. zod/mini, because the site ships
 * these schemas to the browser with the deliverables panel (zod 4's classic API accepts them).
 */

/** pass | fail: the lab was read and judged; error: it could not be read; skipped: a prerequisite is missing. */
export const CheckStatus = z.enum(["pass", "fail", "error", "skipped"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** One value read from the lab, where it came from, and what was wanted. */
export const Evidence = z.object({
  /** The API call or file it was read from, e.g. `GET /images/{name}/json` or `reg-case-platform/Dockerfile`. */
  source: z.string().check(z.minLength(1)),
  /** The field or line, e.g. `Config.User`. */
  field: z.string().check(z.minLength(1)),
  observed: z.unknown(),
  expected: z.optional(z.string()),
});
export type Evidence = z.infer<typeof Evidence>;

/**
 * Why a check could not judge (status `error`), so the learner knows whose move it is:
 * - `lab-unreachable`: the lab (a node's engine, the registry) did not answer or refused: fix the lab;
 * - `bad-parameter`: the exercise file gives the check a parameter it does not accept: fix the file;
 * - `checker-bug`: the check itself threw: not the learner's doing, report it.
 */
export const FailureKind = z.enum(["lab-unreachable", "bad-parameter", "checker-bug"]);
export type FailureKind = z.infer<typeof FailureKind>;

export const CheckResult = z.object({
  /** The deliverable's id, e.g. `image-non-root`. */
  id: z.string(),
  /** The check it ran, e.g. `image.user.nonroot`. */
  check: z.string(),
  block: z.string(),
  status: CheckStatus,
  /** One line a person reads first. */
  summary: z.string(),
  evidence: z.array(Evidence),
  /** On error: whose move it is (the lab did not answer, the exercise file is wrong, the checker is). */
  failure: z.optional(FailureKind),
  /** What to do, on fail (and on error). */
  hint: z.optional(z.string()),
  durationMs: z.number().check(z.nonnegative()),
  /** Probes wait on purpose (a stop, a restart, a health probe): reported apart in timings. */
  waits: z.boolean(),
  /** When the result was taken (ISO 8601, the agent's clock). */
  at: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const BlockRun = z.object({
  lab: z.string(),
  block: z.string(),
  startedAt: z.string(),
  durationMs: z.number().check(z.nonnegative()),
  results: z.array(CheckResult),
});
export type BlockRun = z.infer<typeof BlockRun>;

/**
 * Per deliverable id, when the lab last changed in a way its check reads (ISO 8601): a Docker
 * event of a kind it watches, a new image under a tag it reads, a workspace file it reads saved.
 * A result taken before that is stale. A deliverable missing here has seen no change the agent
 * knows of (it forgets Docker events when it restarts; file and image times it reads again).
 */
export const ChangedAt = z.record(z.string(), z.string());
export type ChangedAt = z.infer<typeof ChangedAt>;

/**
 * A block's latest results: the body of GET /api/checks/<block> (which adds `lab` and
 * `deliverables`), and of each `results` event on /api/checks/<block>/events. A POSTed run
 * (a BlockRun) parses as this too, without `changedAt`.
 */
export const BlockResults = z.object({
  block: z.string(),
  results: z.array(CheckResult),
  changedAt: z.optional(ChangedAt),
});
export type BlockResults = z.infer<typeof BlockResults>;
