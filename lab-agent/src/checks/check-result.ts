import { z } from "zod";

/** pass | fail: the lab was read and judged; error: it could not be read; skipped: a prerequisite is missing. */
export const CheckStatus = z.enum(["pass", "fail", "error", "skipped"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** One value read from the lab, where it came from, and what was wanted. */
export const Evidence = z.object({
  /** The API call or file it was read from, e.g. `GET /images/{name}/json` or `reg-case-platform/Dockerfile`. */
  source: z.string().min(1),
  /** The field or line, e.g. `Config.User`. */
  field: z.string().min(1),
  observed: z.unknown(),
  expected: z.string().optional(),
});
export type Evidence = z.infer<typeof Evidence>;

/** What a pure check function returns: the runner adds the id, hint and timing. */
export const CheckOutcome = z.object({
  status: z.enum(["pass", "fail", "error"]),
  summary: z.string().min(1),
  evidence: z.array(Evidence),
});
export type CheckOutcome = z.infer<typeof CheckOutcome>;

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
  failure: FailureKind.optional(),
  /** What to do, on fail (and on error). */
  hint: z.string().optional(),
  durationMs: z.number().nonnegative(),
  /** Drills wait on purpose (a stop, a restart, a health probe): reported apart in timings. */
  waits: z.boolean(),
  at: z.string(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const BlockRun = z.object({
  lab: z.string(),
  block: z.string(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  results: z.array(CheckResult),
});
export type BlockRun = z.infer<typeof BlockRun>;

/** Helpers for check functions: a pass must carry the evidence that proves it. */
export function pass(summary: string, evidence: Evidence[]): CheckOutcome {
  if (evidence.length === 0) throw new Error(`a pass needs evidence: ${summary}`);
  return { status: "pass", summary, evidence };
}

export function fail(summary: string, evidence: Evidence[]): CheckOutcome {
  return { status: "fail", summary, evidence };
}

export function checkError(summary: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "error", summary, evidence };
}

/**
 * A result's evidence as text, one `field=<observed as JSON>` line per value: what an exercise
 * file's `fresh` and mistakes' `expect.evidence` regexes are matched against.
 */
export function evidenceText(r: Pick<CheckResult, "evidence">): string {
  return r.evidence.map((e) => `${e.field}=${JSON.stringify(e.observed)}`).join("\n");
}
