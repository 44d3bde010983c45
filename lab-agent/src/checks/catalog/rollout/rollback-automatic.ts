import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  AUTO_ROLLBACK,
  collectRollout,
  convergence,
  imageOf,
  type RolloutFacts,
  RolloutParams,
  recordEvidence,
  recordGap,
  requireService,
  rollbackStarts,
  SVC,
  sameDigest,
  short,
  TASKS,
  taskImage,
} from "../../collectors/rollout-facts.ts";

/**
 * A bad rollout was undone by Swarm itself. Swarm's own semantics tell the two kinds apart
 * even after the message is overwritten: an automatic rollback clears PreviousSpec (so a
 * manual `docker service rollback` right after it is refused: "does not have a previous
 * spec"), a manual one (`service rollback`, `update --rollback`) swaps Spec and PreviousSpec.
 * UpdateStatus keeps only the last update: once another one ran, only the record remembers.
 */
export function evaluateRollbackAutomatic(facts: RolloutFacts, p: RolloutParams): CheckOutcome {
  const { svc, missing } = requireService(facts, p);
  if (!svc) return missing;
  const current = imageOf(svc.Spec);
  const previous = imageOf(svc.PreviousSpec);
  const status = svc.UpdateStatus;
  const state = status?.State;
  const { onCurrent, desired, converged } = convergence(facts, svc);
  const since = status?.StartedAt ?? "";
  // Tasks of another image made since the last update started: the rolled-out release.
  const rolledOut = facts.tasks.filter(
    (t) => !sameDigest(taskImage(t), current) && taskImage(t) !== current && (t.CreatedAt ?? "") >= since,
  );
  // Ended by themselves (unhealthy, crashed, refused), not stopped by the rollback (shutdown).
  const endedBad = rolledOut.filter((t) =>
    ["complete", "failed", "rejected"].includes(t.Status?.State ?? ""),
  );
  const { automatic, automaticCompleted, manual } = rollbackStarts(facts.history);
  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "UpdateStatus",
      observed: status ?? null,
      expected: 'State rollback_completed after Message "update rolled back due to failure…"',
    },
    {
      source: SVC,
      field: "PreviousSpec image (an automatic rollback clears it; a manual one swaps it with Spec)",
      observed: short(previous) ?? null,
      expected: "none",
    },
    {
      source: TASKS,
      field: "tasks of the rolled-out image that ended by themselves",
      observed: endedBad.map((t) =>
        `${short(taskImage(t))} ${t.Status?.State}: ${t.Status?.Err ?? t.Status?.Message ?? ""}`.slice(
          0,
          160,
        ),
      ),
      expected: "≥ 1 (the health gate caught it)",
    },
    {
      source: TASKS,
      field: "running tasks on the image rolled back to",
      observed: `${onCurrent.length}/${desired} on ${short(current)}`,
    },
    recordEvidence(
      facts,
      "rollbacks recorded (automatic / by hand)",
      [...automatic, ...manual]
        .sort((a, b) => a.at.localeCompare(b.at))
        .map((e) => `${e.at}: ${e.new} "${e.message}" (${short(e.image)})`),
    ),
  ];
  const gap = recordGap(facts.record, svc);
  const lastAuto = automaticCompleted.at(-1);
  // The record shows an automatic rollback that completed; the service is settled now.
  const recordedPass = () =>
    pass(
      `Swarm rolled a failed update back by itself (recorded: "${lastAuto?.start.message}" at ${lastAuto?.start.at}, completed at ${lastAuto?.completedAt}); ${svc.Spec.Name} runs ${short(current)} on all ${onCurrent.length} task(s) now.`,
      evidence,
    );
  const settled = converged && state !== "paused" && state !== "rollback_paused";

  if (state === "updating" || state === "rollback_started") {
    if (state === "rollback_started" && AUTO_ROLLBACK.test(status?.Message ?? "") && !converged) {
      return checkError(
        `Can't tell yet, because Swarm is rolling ${svc.Spec.Name} back (${status?.Message}); check again when it ends.`,
        evidence,
      );
    }
    return checkError(
      `Can't tell yet, because ${svc.Spec.Name} is ${state === "updating" ? "being updated" : "rolling back"} (since ${status?.StartedAt}); check again when it ends.`,
      evidence,
    );
  }
  if (state === "rollback_completed" && !previous) {
    if (!converged) {
      return fail(
        `Rolled back by Swarm, but only ${onCurrent.length} of ${desired} task(s) run ${short(current)}.`,
        evidence,
      );
    }
    return pass(
      `Swarm rolled the update back by itself (rollback_completed with no PreviousSpec left, as only an automatic rollback leaves it${endedBad[0] ? `; ${endedBad.length} task(s) of ${short(taskImage(endedBad[0]))} failed first` : ""}); ${onCurrent.length} task(s) run ${short(current)} again.`,
      evidence,
    );
  }
  if (lastAuto && settled) return recordedPass();
  const more = gap ? ` (${gap}, so an earlier automatic rollback would not show)` : "";
  if (state === "rollback_completed") {
    return fail(
      `The last rollback was requested by hand (docker service rollback or update --rollback: Spec and PreviousSpec were swapped), not triggered by the failed rollout${more}.`,
      evidence,
    );
  }
  if (state === "paused") {
    return fail(
      `The update paused instead of rolling back (failure_action is pause): ${status?.Message ?? ""}${more}.`,
      evidence,
    );
  }
  if (state === "rollback_paused") {
    const auto =
      AUTO_ROLLBACK.test(automatic.at(-1)?.message ?? "") &&
      automatic.at(-1)?.startedAt === status?.StartedAt;
    return fail(
      `${auto ? "Swarm started rolling the failed update back by itself, but the rollback" : "The rollback"} paused half-way (rollback_config failure_action pause): ${status?.Message ?? ""}; ${onCurrent.length} of ${desired} task(s) run ${short(current)}.`,
      evidence,
    );
  }
  if (state === "completed" && endedBad.length) {
    return fail(
      `The update completed although ${endedBad.length} task(s) failed (failure_action continue, or max_failure_ratio tolerates them)${more}.`,
      evidence,
    );
  }
  if (manual.length) {
    return fail(
      `Only rollbacks by hand were recorded (${manual.map((e) => e.at).join(", ")}), none by Swarm itself.`,
      evidence,
    );
  }
  if (gap && (state === "completed" || state === undefined)) {
    return fail(
      `No rollback shows: UpdateStatus is ${state ?? "empty"}, and Swarm keeps only the last update's status${more}.`,
      evidence,
    );
  }
  return fail(
    `No rollout was rolled back: UpdateStatus is ${state ?? "empty"}${state === "completed" ? " (a bad release with no healthcheck, or a monitor of 0, completes as if it were good)" : ""}.`,
    evidence,
  );
}

export const rollbackAutomatic = defineCheck({
  id: "swarm.rollback.automatic",
  title: "A bad rollout rolled back by itself",
  kind: "history",
  watches: { objects: ["service"] },
  params: RolloutParams.strict(),
  collect: collectRollout,
  evaluate: evaluateRollbackAutomatic,
});
