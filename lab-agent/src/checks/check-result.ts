import { z } from "zod";
import { type CheckResult, Evidence } from "../course/check-wire.ts";

// The wire schemas (results, runs, evidence) are the course model's: agent, CLI and site share them.
export {
  BlockResults,
  BlockRun,
  ChangedAt,
  CheckResult,
  CheckStatus,
  Evidence,
  FailureKind,
} from "../course/check-wire.ts";

/** What a pure check function returns: the runner adds the id, hint and timing. */
export const CheckOutcome = z.object({
  status: z.enum(["pass", "fail", "error"]),
  summary: z.string().min(1),
  evidence: z.array(Evidence),
});
export type CheckOutcome = z.infer<typeof CheckOutcome>;

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
