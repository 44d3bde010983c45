import { z } from "zod";

export const CaseStatus = z.enum(["open", "investigating", "enforcement", "closed"]);
export type CaseStatus = z.infer<typeof CaseStatus>;

/**
 * The case lifecycle: open → investigating → enforcement → closed. A case may also be closed
 * early (a report with nothing to pursue, or an investigation that finds no breach); a closed
 * case is final.
 */
export const allowedTransitions: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ["investigating", "closed"],
  investigating: ["enforcement", "closed"],
  enforcement: ["closed"],
  closed: [],
};

export type TransitionCheck =
  | { ok: true }
  | {
      ok: false;
      reason: "unchanged" | "final" | "not_allowed";
      message: string;
      allowed: readonly CaseStatus[];
    };

export function checkTransition(from: CaseStatus, to: CaseStatus): TransitionCheck {
  const allowed = allowedTransitions[from];
  if (allowed.includes(to)) return { ok: true };
  if (from === to) return { ok: false, reason: "unchanged", message: `the case is already ${to}`, allowed };
  if (allowed.length === 0) {
    return { ok: false, reason: "final", message: `the case is ${from}, which is final`, allowed };
  }
  return {
    ok: false,
    reason: "not_allowed",
    message: `a case cannot move from ${from} to ${to} (allowed: ${allowed.join(", ")})`,
    allowed,
  };
}
