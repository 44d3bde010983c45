import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectRollout,
  type HealthConfig,
  imageOf,
  type RolloutFacts,
  RolloutParams,
  requireService,
  SVC,
  SWARM_DEFAULTS,
  short,
} from "../../collectors/rollout-facts.ts";
import { parseImageRef } from "../../parsers/spec-parsers.ts";

/**
 * Where the running image's own HEALTHCHECK came from: the lab registry's copy of its config.
 * undefined = not read (not a lab-registry image, or the registry did not answer).
 */
export interface ImageHealth {
  ref: string;
  healthcheck: HealthConfig | null | undefined;
}

export interface UpdateConfigFacts extends RolloutFacts {
  imageHealth?: ImageHealth;
}

const LAB_REGISTRY = "registry:5000/";
const secs = (ns: number | undefined) => (ns === undefined ? undefined : ns / 1e9);

/** The healthcheck a task really runs: the service's own, else the image's; null = none. */
export function effectiveHealth(facts: UpdateConfigFacts): {
  health: HealthConfig | null | undefined;
  from: string;
} {
  const svc = facts.service;
  const own = svc?.Spec.TaskTemplate?.ContainerSpec?.Healthcheck;
  if (own?.Test?.length) {
    if (own.Test[0] === "NONE") return { health: null, from: "service (healthcheck disabled)" };
    // A service healthcheck that sets only some fields inherits the rest from the image.
    const image = facts.imageHealth?.healthcheck ?? undefined;
    return { health: { ...image, ...own }, from: "service" };
  }
  const image = facts.imageHealth?.healthcheck;
  if (image === undefined) return { health: undefined, from: "image (not readable)" };
  if (image === null || !image.Test?.length || image.Test[0] === "NONE")
    return { health: null, from: "image (none)" };
  return { health: image, from: "image" };
}

/** Docker's healthcheck defaults when a field is 0/unset: interval 30 s, 3 retries. */
function unhealthyAfter(h: HealthConfig): number {
  return (secs(h.Interval) || 30) * (h.Retries || 3);
}

export function evaluateUpdateConfig(facts: UpdateConfigFacts, p: RolloutParams): CheckOutcome {
  const { svc, missing } = requireService(facts, p);
  if (!svc) return missing;
  const uc = svc.Spec.UpdateConfig ?? {};
  const rc = svc.Spec.RollbackConfig ?? {};
  const d = SWARM_DEFAULTS.update;
  const failureAction = uc.FailureAction || d.FailureAction;
  const order = uc.Order || d.Order;
  // The Engine API omits zero values: inside an UpdateConfig a missing Parallelism is 0 (all at
  // once) and a missing Monitor is `monitor: 0s` or never set, which are indistinguishable; with
  // no UpdateConfig at all Swarm applies its defaults (parallelism 1, monitor 5 s).
  const hasConfig = svc.Spec.UpdateConfig !== undefined;
  const parallelism = uc.Parallelism ?? (hasConfig ? 0 : d.Parallelism);
  const monitorSet = uc.Monitor !== undefined && uc.Monitor > 0;
  const monitor = monitorSet ? (secs(uc.Monitor) ?? 0) : hasConfig ? 0 : (secs(d.Monitor) ?? 0);
  const ratio = uc.MaxFailureRatio ?? d.MaxFailureRatio;
  const replicas = svc.Spec.Mode?.Replicated?.Replicas ?? svc.ServiceStatus?.DesiredTasks ?? 1;
  const { health, from } = effectiveHealth(facts);
  const needMonitor = health ? Math.max(5, unhealthyAfter(health)) : 5;
  const rollbackParallelism = rc.Parallelism ?? SWARM_DEFAULTS.rollback.Parallelism;
  const rollbackOrder = rc.Order || SWARM_DEFAULTS.rollback.Order;
  const set = (v: unknown, shown: unknown) =>
    v === undefined || v === "" ? `${shown} (unset: Swarm's default)` : shown;

  const evidence: Evidence[] = [
    {
      source: SVC,
      field: "Spec.UpdateConfig.FailureAction",
      observed: set(uc.FailureAction, failureAction),
      expected: "rollback",
    },
    {
      source: SVC,
      field: "Spec.UpdateConfig.Order",
      observed: set(uc.Order, order),
      expected: "start-first",
    },
    {
      source: SVC,
      field: "Spec.UpdateConfig.Parallelism",
      observed: set(uc.Parallelism, parallelism),
      expected: replicas > 1 ? `1 … ${replicas - 1} (of ${replicas} replicas)` : "1",
    },
    {
      source: SVC,
      field: "Spec.UpdateConfig.Monitor (s)",
      observed: monitorSet ? monitor : hasConfig ? "0 (or not set)" : `${monitor} (unset: Swarm's default)`,
      expected: health ? `≥ ${needMonitor} (the healthcheck's interval × retries)` : "≥ 5",
    },
    {
      source: SVC,
      field: "Spec.UpdateConfig.MaxFailureRatio",
      observed: set(uc.MaxFailureRatio, ratio),
      expected: `< ${(1 / replicas).toFixed(2)} (no failed task tolerated)`,
    },
    {
      source: SVC,
      field: "Spec.UpdateConfig.Delay (s)",
      observed: secs(uc.Delay) ?? 0,
    },
    {
      source: `${SVC} (Healthcheck) / registry: image config (Healthcheck)`,
      field: `healthcheck in effect, from the ${from}`,
      observed: health
        ? `${JSON.stringify(health.Test)} every ${secs(health.Interval) || 30} s, unhealthy after ${health.Retries || 3} failures`
        : health === null
          ? "none"
          : `unknown (${short(imageOf(svc.Spec))})`,
      expected: "a healthcheck (the health gate)",
    },
    {
      source: SVC,
      field: "Spec.RollbackConfig (parallelism, order, monitor s, failure action)",
      observed: `${set(rc.Parallelism, rollbackParallelism)}, ${set(rc.Order, rollbackOrder)}, ${set(rc.Monitor, secs(rc.Monitor ?? SWARM_DEFAULTS.rollback.Monitor))}, ${set(rc.FailureAction, rc.FailureAction || SWARM_DEFAULTS.rollback.FailureAction)}`,
      expected: "not every task stopped at once",
    },
  ];
  const problems = [
    failureAction === "pause" &&
      `failure_action is pause${uc.FailureAction ? "" : " (unset)"}: a failed update stops half-way with the bad release running`,
    failureAction === "continue" && "failure_action is continue: a failed update carries on regardless",
    failureAction !== "rollback" &&
      failureAction !== "pause" &&
      failureAction !== "continue" &&
      `failure_action is ${failureAction}`,
    order !== "start-first" &&
      `order is ${order}${uc.Order ? "" : " (unset)"}: each old task stops before its replacement is healthy`,
    parallelism === 0 && "parallelism is 0: every task is replaced at once",
    parallelism > 0 &&
      replicas > 1 &&
      parallelism >= replicas &&
      `parallelism ${parallelism} replaces all ${replicas} replicas at once`,
    health === null &&
      "there is no healthcheck: a release that starts but does not serve counts as a success, so nothing ever fails or rolls back",
    !monitorSet &&
      "monitor is not set (0s, or left out: the API shows both the same): a task that fails right after it starts may go unnoticed",
    monitorSet &&
      monitor > 0 &&
      monitor < needMonitor &&
      (health
        ? `monitor ${monitor} s is shorter than the ${needMonitor} s the healthcheck needs to call a task unhealthy`
        : `monitor ${monitor} s is shorter than 5 s`),
    ratio * replicas >= 1 &&
      `max_failure_ratio ${ratio} tolerates ${Math.floor(ratio * replicas + 1e-9)} failed task(s) of ${replicas}`,
    rollbackParallelism === 0 &&
      rollbackOrder === "stop-first" &&
      "rollback_config has parallelism 0 and stop-first: a rollback stops every task at once",
  ].filter((x): x is string => typeof x === "string");
  if (problems.length) return fail(`update_config: ${problems.join("; ")}.`, evidence);
  if (health === undefined) {
    return checkError(
      `Can't tell, because ${short(imageOf(svc.Spec))} sets no healthcheck in the service and its image's config could not be read from the lab registry: without a health gate nothing would fail.`,
      evidence,
    );
  }
  return pass(
    `Rolls ${parallelism} of ${replicas} at a time, start-first, behind a healthcheck (from the ${from}), watches each for ${monitor} s and rolls back on failure.`,
    evidence,
  );
}

/** Reads the image's own healthcheck from the lab registry when the service sets none of its own. */
async function collect(
  ctx: Parameters<typeof collectRollout>[0],
  p: RolloutParams,
): Promise<UpdateConfigFacts> {
  const facts = await collectRollout(ctx, p);
  const ref = imageOf(facts.service?.Spec);
  if (!ref?.startsWith(LAB_REGISTRY))
    return { ...facts, ...(ref ? { imageHealth: { ref, healthcheck: undefined } } : {}) };
  const { name, tag, digest } = parseImageRef(ref);
  const healthcheck = await ctx.lab
    .registry()
    .then((r) => r.imageConfig(name.slice(LAB_REGISTRY.length), digest ?? tag ?? "latest"))
    .then((c) => {
      if (!c) return undefined;
      const h = (c.config as { Healthcheck?: HealthConfig } | undefined)?.Healthcheck;
      return h ?? null;
    })
    .catch(() => undefined);
  return { ...facts, imageHealth: { ref, healthcheck } };
}

export const updateConfig = defineCheck({
  id: "swarm.update-config",
  title: "Safe update_config",
  kind: "snapshot",
  watches: { objects: ["service"] },
  params: RolloutParams.strict(),
  collect,
  evaluate: evaluateUpdateConfig,
});
