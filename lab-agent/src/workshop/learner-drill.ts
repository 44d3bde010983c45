import { z } from "zod";
import { activeRun, loadRuns } from "../drills/drill-state.ts";
import { DrillPhase } from "../drills/drill-types.ts";

/**
 * A learner's drill as the lead's roster shows it: the drill that still has something in their lab
 * to restore (drill-state.ts activeRun), else their latest drill with its verdict; null when they
 * never ran one. Read from DRYDOCK_HOME/drills/<lab>/ (each run parsed there with DrillRun).
 */
export const LearnerDrill = z
  .object({
    drill: z.string(),
    phase: DrillPhase,
    verdict: z.enum(["pass", "fail", "error", "pending", "none"]),
    /** Whether it is in the lab now (injected and not yet stopped, or broken mid-way). */
    active: z.boolean(),
    /** When it started, or stopped if it did. */
    since: z.string(),
  })
  .strict();
export type LearnerDrill = z.infer<typeof LearnerDrill>;

export function learnerDrill(home: string, lab: string): LearnerDrill | null {
  const active = activeRun(home, lab);
  const latest = active ?? loadRuns(home, lab).sort((a, b) => timeOf(b).localeCompare(timeOf(a)))[0];
  if (!latest) return null;
  return LearnerDrill.parse({
    drill: latest.drill,
    phase: latest.phase,
    verdict: latest.verdict,
    active: active !== undefined,
    since: timeOf(latest),
  });
}

const timeOf = (r: { startedAt: string; stoppedAt: string | null }) => r.stoppedAt ?? r.startedAt;
