import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectRollout,
  convergence,
  imageOf,
  type RolloutFacts,
  RolloutParams,
  recordEvidence,
  recordGap,
  requireService,
  SVC,
  sameDigest,
  short,
  TASKS,
  taskImage,
} from "../../collectors/rollout-facts.ts";
import { digestOf, isPinnedByDigest } from "../../parsers/spec-parsers.ts";

/**
 * An update to a new digest completed and every task runs it. Swarm says so while it is the
 * last thing that happened (UpdateStatus completed, PreviousSpec on another digest); after a
 * later rollback or a later no-op update only the record, or the service running another
 * digest than the stack deployed, still shows it.
 */
export function evaluateRolloutCompleted(facts: RolloutFacts, p: RolloutParams): CheckOutcome {
  const { svc, missing } = requireService(facts, p);
  if (!svc) return missing;
  const current = imageOf(svc.Spec);
  const previous = imageOf(svc.PreviousSpec);
  const deployed = svc.Spec.Labels?.["com.docker.stack.image"];
  const state = svc.UpdateStatus?.State;
  const { running, onCurrent, desired, converged } = convergence(facts, svc);
  // Completed updates the recorder saw: the update's image is the one it moved to.
  const completed = facts.history.filter(
    (e) =>
      e.kind === "update-state" &&
      e.new === "completed" &&
      e.image !== null &&
      e.previousImage !== null &&
      digestOf(e.image) !== undefined &&
      !sameDigest(e.image, e.previousImage),
  );
  const replacedDeployed = facts.tasks.filter(
    (t) => t.DesiredState === "shutdown" && sameDigest(taskImage(t), deployed),
  );
  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "UpdateStatus",
      observed: svc.UpdateStatus ?? null,
      expected: "State completed (or a later rollback to the updated digest)",
    },
    {
      source: SVC,
      field: "PreviousSpec image → Spec image",
      observed: `${short(previous) ?? "(none)"} → ${short(current)}`,
      expected: "two different digests",
    },
    {
      source: SVC,
      field: 'Spec.Labels["com.docker.stack.image"] (as the stack deployed it)',
      observed: short(deployed) ?? null,
    },
    {
      source: TASKS,
      field: "running tasks on the current image",
      observed: `${onCurrent.length}/${desired} (${running.length} running)`,
      expected: "all desired",
    },
    recordEvidence(
      facts,
      "completed updates to a new digest",
      completed.map((e) => `${e.at}: ${short(e.previousImage)} → ${short(e.image)}`),
    ),
    {
      source: TASKS,
      field: "shut-down tasks of the deployed digest",
      observed: replacedDeployed.length,
    },
  ];
  if (state === "updating" || state === "rollback_started") {
    return checkError(
      `Can't tell yet, because ${svc.Spec.Name} is ${state === "updating" ? "being updated" : "rolling back"} (since ${svc.UpdateStatus?.StartedAt}); check again when it ends.`,
      evidence,
    );
  }
  if (state === "paused" || state === "rollback_paused") {
    return fail(
      `The ${state === "paused" ? "update" : "rollback"} is paused (${svc.UpdateStatus?.Message ?? ""}): it did not complete.`,
      evidence,
    );
  }
  if (!converged) {
    return fail(
      `${svc.Spec.Name} has not converged on ${short(current)}: ${onCurrent.length} of ${desired} task(s) run it.`,
      evidence,
    );
  }
  if (current && !isPinnedByDigest(current)) {
    return fail(
      `${svc.Spec.Name} runs ${current}, a tag with no digest (--no-resolve-image?): which release each node pulled is not known.`,
      evidence,
    );
  }
  if (state === "completed" && previous && digestOf(previous) && !sameDigest(previous, current)) {
    return pass(
      `Updated from ${short(previous)} to ${short(current)}; all ${onCurrent.length} task(s) run the new digest.`,
      evidence,
    );
  }
  const toCurrent = completed.filter((e) => sameDigest(e.image, current));
  if (toCurrent.length) {
    return pass(
      `A rolling update to ${short(current)} completed at ${toCurrent.at(-1)?.at} (recorded), and every task runs it.`,
      evidence,
    );
  }
  // Without a record: the service runs another digest than the stack deployed, so an update
  // rolled it there (and, since it converged and is not paused, it completed).
  if (digestOf(deployed) && !sameDigest(current, deployed)) {
    return pass(
      `Rolled from the deployed ${short(deployed)} to ${short(current)}; every task runs it${replacedDeployed.length ? ` (${replacedDeployed.length} old task(s) replaced)` : ""}.`,
      evidence,
    );
  }
  if (completed.length) {
    return fail(
      `An update to ${short(completed.at(-1)?.image)} completed, but ${svc.Spec.Name} was rolled back to the deployed ${short(current)} since.`,
      evidence,
    );
  }
  const why =
    state === "completed" && sameDigest(previous, current)
      ? `the last update kept the same digest (${short(current)}): only other settings changed, or it was forced`
      : state === "rollback_completed"
        ? `the last rollback returned it to the deployed ${short(current)}`
        : `it runs ${short(current)}, as the stack deployed it`;
  const gap = recordGap(facts.record, svc);
  return fail(
    `No completed rolling update to a new digest: ${why}${gap && !state ? ` (and ${gap})` : ""}.`,
    evidence,
  );
}

export const rolloutCompleted = defineCheck({
  id: "swarm.rollout.completed",
  title: "A rolling update to a new digest completed",
  kind: "history",
  watches: { objects: ["service"] },
  params: RolloutParams.strict(),
  collect: collectRollout,
  evaluate: evaluateRolloutCompleted,
});
