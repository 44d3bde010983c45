import { z } from "zod";
import { defineCheck } from "./check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "./check-result.ts";
import {
  collectSwarm,
  runningTasks,
  type SwarmFacts,
  type SwarmService,
  serviceNamed,
} from "./collect-swarm.ts";
import { digestOf, isPinnedByDigest, nanosToSeconds } from "./spec-parsers.ts";
import type { HistoryEvent } from "./swarm-history.ts";

const Params = z.object({
  stack: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("reg-case"),
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("case-api"),
});
type Params = z.infer<typeof Params>;
const SVC = "manager-1: GET /services/{id}";
const HISTORY = "Drydock's record of the swarm (manager events + UpdateStatus polls)";

export interface RolloutFacts {
  swarm: SwarmFacts;
  history: HistoryEvent[];
}

function findService(facts: RolloutFacts, p: Params): { svc?: SwarmService; missing?: CheckOutcome } {
  const { swarm } = facts;
  if (swarm.localState !== "active" || !swarm.isManager) {
    return {
      missing: fail(`manager-1 is not a swarm manager (swarm state ${swarm.localState}).`, [
        {
          source: "manager-1: GET /info",
          field: "Swarm.LocalNodeState",
          observed: swarm.localState,
          expected: "active",
        },
      ]),
    };
  }
  const svc = serviceNamed(swarm, p.stack, p.service);
  if (!svc) {
    return {
      missing: fail(`There is no service ${p.stack}_${p.service}.`, [
        {
          source: "manager-1: GET /services",
          field: "Spec.Name",
          observed: swarm.services.map((s) => s.Spec.Name),
          expected: `${p.stack}_${p.service}`,
        },
      ]),
    };
  }
  return { svc };
}

const imageOf = (spec: SwarmService["Spec"] | undefined) => spec?.TaskTemplate?.ContainerSpec?.Image;
const short = (ref: string | undefined) =>
  ref ? ref.replace(/@sha256:([0-9a-f]{12})[0-9a-f]+/, "@sha256:$1…") : null;

function collect(
  ctx: Parameters<Parameters<typeof defineCheck>[0]["collect"]>[0],
  p: Params,
): Promise<RolloutFacts> {
  return collectSwarm(ctx, p.stack).then((swarm) => ({
    swarm,
    history: ctx.history?.events(ctx.lab.lab, `${p.stack}_${p.service}`) ?? [],
  }));
}

// ---- update-config-safe ---------------------------------------------------------------------

export function evaluateUpdateConfig(facts: RolloutFacts, p: Params): CheckOutcome {
  const { svc, missing } = findService(facts, p);
  if (!svc) return missing as CheckOutcome;
  const uc = svc.Spec.UpdateConfig ?? {};
  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "Spec.UpdateConfig.FailureAction",
      observed: uc.FailureAction ?? null,
      expected: "rollback",
    },
    { source: SVC, field: "Spec.UpdateConfig.Order", observed: uc.Order ?? null, expected: "start-first" },
    {
      source: SVC,
      field: "Spec.UpdateConfig.Monitor (s)",
      observed: nanosToSeconds(uc.Monitor) ?? null,
      expected: "> 0",
    },
    {
      source: SVC,
      field: "Spec.UpdateConfig.Parallelism",
      observed: uc.Parallelism ?? null,
      expected: "≥ 1",
    },
  ];
  const problems = [
    uc.FailureAction !== "rollback" && `failure_action is ${uc.FailureAction ?? "unset (pause)"}`,
    uc.Order !== "start-first" && `order is ${uc.Order ?? "unset (stop-first)"}`,
    !(uc.Monitor && uc.Monitor > 0) && "no monitor window",
    !(uc.Parallelism && uc.Parallelism >= 1) && "parallelism is 0 (all at once)",
  ].filter(Boolean);
  if (problems.length) return fail(`update_config: ${problems.join(", ")}.`, evidence);
  return pass(
    `Rolls ${uc.Parallelism} at a time, start-first, watches ${nanosToSeconds(uc.Monitor)} s and rolls back on failure.`,
    evidence,
  );
}

export const updateConfig = defineCheck({
  id: "swarm.update-config",
  title: "Safe update_config",
  kind: "snapshot",
  watches: { objects: ["service"] },
  params: Params.strict(),
  collect,
  evaluate: evaluateUpdateConfig,
});

// ---- rolling-update-succeeds ----------------------------------------------------------------

export function evaluateRolloutCompleted(facts: RolloutFacts, p: Params): CheckOutcome {
  const { svc, missing } = findService(facts, p);
  if (!svc) return missing as CheckOutcome;
  const current = imageOf(svc.Spec);
  const previous = imageOf(svc.PreviousSpec);
  const deployed = svc.Spec.Labels?.["com.docker.stack.image"];
  const state = svc.UpdateStatus?.State;
  const running = runningTasks(facts.swarm, svc);
  const all = facts.swarm.tasks.filter((t) => t.ServiceID === svc.ID);
  const converged =
    running.length > 0 &&
    running.length === svc.ServiceStatus?.DesiredTasks &&
    running.every((t) => digestOf(t.Spec?.ContainerSpec?.Image) === digestOf(current));
  const recorded = facts.history.filter((e) => e.kind === "update-state" && e.new === "completed");
  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "UpdateStatus.State",
      observed: state ?? null,
      expected: "completed (or a later rollback to the updated digest)",
    },
    {
      source: SVC,
      field: "PreviousSpec image → Spec image",
      observed: `${short(previous)} → ${short(current)}`,
      expected: "two different digests",
    },
    { source: SVC, field: 'Spec.Labels["com.docker.stack.image"] (as deployed)', observed: short(deployed) },
    {
      source: "manager-1: GET /tasks",
      field: "running tasks on the current digest",
      observed: `${running.length}/${svc.ServiceStatus?.DesiredTasks ?? 0}`,
      expected: "all desired",
    },
    {
      source: HISTORY,
      field: "completed updates recorded",
      observed: recorded.map((e) => `${e.at}: ${short(e.image ?? undefined)}`),
    },
  ];
  if (!converged) return fail(`${svc.Spec.Name} has not converged on ${short(current)}.`, evidence);
  if (state === "completed" && previous && digestOf(previous) && digestOf(previous) !== digestOf(current)) {
    return pass(
      `Updated from ${short(previous)} to ${short(current)}; every task runs the new digest.`,
      evidence,
    );
  }
  if (
    recorded.some(
      (e) => digestOf(e.image ?? undefined) && digestOf(e.image ?? undefined) !== digestOf(deployed),
    )
  ) {
    return pass(`A rolling update to a new digest completed (recorded at ${recorded.at(-1)?.at}).`, evidence);
  }
  // Without a record: the service now runs a digest other than the one the stack deployed,
  // and its task history shows tasks of the deployed digest replaced.
  const replaced = all.filter(
    (t) => t.DesiredState === "shutdown" && digestOf(t.Spec?.ContainerSpec?.Image) === digestOf(deployed),
  );
  evidence.push({
    source: "manager-1: GET /tasks",
    field: "shut-down tasks of the deployed digest",
    observed: replaced.length,
  });
  if (digestOf(deployed) && digestOf(current) !== digestOf(deployed) && replaced.length > 0) {
    return pass(
      `Rolled from the deployed ${short(deployed)} to ${short(current)}; ${replaced.length} old task(s) replaced.`,
      evidence,
    );
  }
  return fail(
    `No completed rolling update to a new digest: ${svc.Spec.Name} runs ${short(current)}, as deployed.`,
    evidence,
  );
}

export const rolloutCompleted = defineCheck({
  id: "swarm.rollout.completed",
  title: "A rolling update to a new digest completed",
  kind: "history",
  watches: { objects: ["service"] },
  params: Params.strict(),
  collect,
  evaluate: evaluateRolloutCompleted,
});

// ---- failed-rollout-rolls-back --------------------------------------------------------------

/** Tasks of a digest other than the current one, created since the last update started. */
function rolledOutTasks(facts: RolloutFacts, svc: SwarmService) {
  const current = digestOf(imageOf(svc.Spec));
  const since = svc.UpdateStatus?.StartedAt ?? "";
  return facts.swarm.tasks.filter(
    (t) =>
      t.ServiceID === svc.ID &&
      digestOf(t.Spec?.ContainerSpec?.Image) !== current &&
      (t.CreatedAt ?? "") >= since,
  );
}

export function evaluateRollback(facts: RolloutFacts, p: Params): CheckOutcome {
  const { svc, missing } = findService(facts, p);
  if (!svc) return missing as CheckOutcome;
  const current = imageOf(svc.Spec);
  const state = svc.UpdateStatus?.State;
  const running = runningTasks(facts.swarm, svc);
  const rolledOut = rolledOutTasks(facts, svc);
  // Swarm drops PreviousSpec when a rollback completes: the rolled-out digest is in the tasks.
  const bad = imageOf(svc.PreviousSpec) ?? rolledOut[0]?.Spec?.ContainerSpec?.Image;
  // A task that ended by itself (killed as unhealthy, crashed, refused) — not one the rollback stopped.
  const endedBad = rolledOut.filter((t) =>
    ["complete", "failed", "rejected"].includes(t.Status?.State ?? ""),
  );
  const recorded = facts.history.filter((e) => e.kind === "update-state" && e.new?.startsWith("rollback"));
  const automatic = recorded.find((e) => e.message?.startsWith("update rolled back due to failure"));
  const manual = recorded.find((e) => e.message === "manually requested rollback");
  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "UpdateStatus",
      observed: svc.UpdateStatus ?? null,
      expected: "State rollback_completed",
    },
    { source: SVC, field: "rolled-out image → image now", observed: `${short(bad)} → ${short(current)}` },
    {
      source: "manager-1: GET /tasks",
      field: "tasks of the rolled-out digest that ended by themselves",
      observed: endedBad.map((t) =>
        `${t.Status?.State}: ${t.Status?.Err ?? t.Status?.Message ?? ""}`.slice(0, 120),
      ),
      expected: "≥ 1 (the health gate caught it)",
    },
    {
      source: "manager-1: GET /tasks",
      field: "running tasks on the previous digest",
      observed: `${running.filter((t) => digestOf(t.Spec?.ContainerSpec?.Image) === digestOf(current)).length}/${svc.ServiceStatus?.DesiredTasks ?? 0}`,
    },
    {
      source: HISTORY,
      field: "rollback states recorded",
      observed: recorded.map((e) => `${e.at}: ${e.new} (${e.message ?? ""})`),
    },
  ];
  if (state !== "rollback_completed") {
    return fail(
      `UpdateStatus is ${state ?? "empty"}: no rollout was rolled back${state === "paused" ? " (it paused instead: failure_action is pause)" : ""}.`,
      evidence,
    );
  }
  if (manual && !automatic)
    return fail("The rollback was requested by hand, not triggered by the failed rollout.", evidence);
  if (!automatic && endedBad.length === 0) {
    return fail(
      "No task of the rolled-out image failed: nothing shows the rollback was automatic.",
      evidence,
    );
  }
  if (
    !(
      running.length > 0 && running.every((t) => digestOf(t.Spec?.ContainerSpec?.Image) === digestOf(current))
    )
  ) {
    return fail(`Rolled back, but not every running task is on ${short(current)} yet.`, evidence);
  }
  return pass(
    `The rollout to ${short(bad)} failed its health gate and was rolled back automatically; ${running.length} task(s) run ${short(current)} again.`,
    evidence,
  );
}

export const rollbackAutomatic = defineCheck({
  id: "swarm.rollback.automatic",
  title: "A bad rollout rolled back by itself",
  kind: "history",
  watches: { objects: ["service"] },
  params: Params.strict(),
  collect,
  evaluate: evaluateRollback,
});

// ---- previous-digest-known ------------------------------------------------------------------

export function evaluatePreviousDigest(facts: RolloutFacts, p: Params): CheckOutcome {
  const { svc, missing } = findService(facts, p);
  if (!svc) return missing as CheckOutcome;
  const previous = imageOf(svc.PreviousSpec);
  const current = imageOf(svc.Spec);
  const recorded = facts.history.filter((e) => e.kind === "image" && e.old && isPinnedByDigest(e.old));
  // Task history keeps earlier tasks: the digest that ran before the current tasks started.
  const tasks = facts.swarm.tasks.filter((t) => t.ServiceID === svc.ID);
  const firstCurrent = tasks
    .filter((t) => digestOf(t.Spec?.ContainerSpec?.Image) === digestOf(current))
    .map((t) => t.CreatedAt ?? "")
    .sort()[0];
  const earlier = tasks
    .filter(
      (t) =>
        (t.CreatedAt ?? "") < (firstCurrent ?? "") &&
        digestOf(t.Spec?.ContainerSpec?.Image) !== digestOf(current),
    )
    .sort((a, b) => (b.CreatedAt ?? "").localeCompare(a.CreatedAt ?? ""))
    .map((t) => t.Spec?.ContainerSpec?.Image ?? "");
  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "PreviousSpec.TaskTemplate.ContainerSpec.Image",
      observed: previous ?? null,
      expected: "name@sha256:…",
    },
    { source: SVC, field: "Spec.TaskTemplate.ContainerSpec.Image", observed: current ?? null },
    {
      source: "manager-1: GET /tasks",
      field: "images of tasks before the current ones",
      observed: [...new Set(earlier.map((e) => short(e)))],
    },
    {
      source: HISTORY,
      field: "earlier digests recorded",
      observed: recorded.map((e) => `${e.at}: ${short(e.old ?? undefined)}`),
    },
  ];
  if (previous && isPinnedByDigest(previous) && digestOf(previous) !== digestOf(current)) {
    return pass(`The previous digest is ${digestOf(previous)} (PreviousSpec).`, evidence);
  }
  const last = recorded.at(-1);
  if (last?.old && digestOf(last.old) !== digestOf(current)) {
    return pass(`The previous digest was recorded: ${digestOf(last.old)}.`, evidence);
  }
  if (!previous && earlier[0] && isPinnedByDigest(earlier[0])) {
    return pass(
      `The previous digest is ${digestOf(earlier[0])} (the tasks before the current ones ran it).`,
      evidence,
    );
  }
  if (previous && !isPinnedByDigest(previous)) {
    return fail(
      `The previous image is ${previous}: a tag, not a digest, so what ran before is not known for sure.`,
      evidence,
    );
  }
  if (earlier[0]) return fail(`What ran before is ${earlier[0]}: a tag, not a digest.`, evidence);
  return fail(
    `${svc.Spec.Name} has no previous spec and no earlier task: nothing to roll back to.`,
    evidence,
  );
}

export const previousDigest = defineCheck({
  id: "swarm.previous-digest",
  title: "The previous digest is known",
  kind: "history",
  watches: { objects: ["service"] },
  params: Params.strict(),
  collect,
  evaluate: evaluatePreviousDigest,
});
