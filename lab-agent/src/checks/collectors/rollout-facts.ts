import { z } from "zod";
import type { CheckContext } from "../check-definition.ts";
import { type CheckOutcome, type Evidence, fail } from "../check-result.ts";
import { digestOf } from "../parsers/spec-parsers.ts";
import { collectSwarm, type SwarmFacts, type SwarmTask } from "./collect-swarm.ts";
import type { HistoryEvent } from "./swarm-history.ts";

/** The h17 checks' parameters: which stack service they judge. */
export const RolloutParams = z.object({
  stack: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("reg-case"),
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("case-api"),
});
export type RolloutParams = z.infer<typeof RolloutParams>;

export const SVC = "manager-1: GET /services/{id}";
export const TASKS = "manager-1: GET /tasks?filters=service";
export const HISTORY = "Drydock's record of the service (the agent polls UpdateStatus while it runs)";

/** Durations are nanoseconds in the Engine API. */
export interface UpdatePolicy {
  Parallelism?: number;
  Delay?: number;
  FailureAction?: string;
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: string;
}

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The parts of a service spec the rollout checks read (GET /services/{id}). */
export interface RolloutSpec {
  Name?: string;
  Labels?: Record<string, string>;
  TaskTemplate?: {
    ContainerSpec?: {
      Image?: string /** Real JSON spells it Healthcheck (not HealthCheck). */;
      Healthcheck?: HealthConfig;
    };
  };
  Mode?: { Replicated?: { Replicas?: number }; Global?: object };
  UpdateConfig?: UpdatePolicy;
  RollbackConfig?: UpdatePolicy;
}

export interface RolloutService {
  ID: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec: RolloutSpec;
  PreviousSpec?: RolloutSpec;
  UpdateStatus?: { State?: string; Message?: string; StartedAt?: string; CompletedAt?: string };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number };
}

/**
 * What the recorder knows of this service: `off` when no store was given, `never-saw` when
 * the agent never ran while this service existed (its history is empty), `on` otherwise,
 * with `since` the first time it saw it (earlier changes are unknown when `since` is well
 * after the service's creation).
 */
export interface RecordState {
  state: "off" | "never-saw" | "on";
  since?: string;
  /** The record starts after the service was created (the agent started later). */
  partial?: boolean;
}

export interface RolloutFacts {
  swarm: SwarmFacts;
  service?: RolloutService;
  tasks: SwarmTask[];
  history: HistoryEvent[];
  record: RecordState;
}

/** Swarm's defaults (swarmkit api/defaults): what an unset field means. */
export const SWARM_DEFAULTS = {
  update: { Parallelism: 1, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" },
  rollback: { Parallelism: 1, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" },
} as const;

export const imageOf = (spec: RolloutSpec | undefined) => spec?.TaskTemplate?.ContainerSpec?.Image;
export const taskImage = (t: SwarmTask) => t.Spec?.ContainerSpec?.Image;
export const short = (ref: string | null | undefined) =>
  ref ? ref.replace(/@sha256:([0-9a-f]{12})[0-9a-f]+/, "@sha256:$1…") : null;
export const shortDigest = (d: string | undefined) => (d ? `${d.slice(0, 19)}…` : null);
export const sameDigest = (a: string | null | undefined, b: string | null | undefined) =>
  Boolean(digestOf(a ?? undefined)) && digestOf(a ?? undefined) === digestOf(b ?? undefined);

/** The manager's view of the stack, the service, its tasks and what the recorder saw of it. */
export async function collectRollout(ctx: CheckContext, p: RolloutParams): Promise<RolloutFacts> {
  const swarm = await collectSwarm(ctx, p.stack);
  const service = swarm.services.find((s) => s.Spec.Name === `${p.stack}_${p.service}`) as
    | RolloutService
    | undefined;
  const tasks = service ? swarm.tasks.filter((t) => t.ServiceID === service.ID) : [];
  const history = service && ctx.history ? ctx.history.events(ctx.lab.lab, service.ID) : [];
  return { swarm, service, tasks, history, record: recordState(ctx.history !== undefined, service, history) };
}

export function recordState(
  store: boolean,
  service: RolloutService | undefined,
  history: readonly HistoryEvent[],
): RecordState {
  if (!store) return { state: "off" };
  const first = history[0];
  if (!first) return { state: "never-saw" };
  // The first sighting came more than a few seconds after the service was made: what happened
  // in between is unknown.
  const created = Date.parse(service?.CreatedAt ?? first.createdAt ?? "");
  const partial = Number.isFinite(created) && Date.parse(first.at) - created > 10_000;
  return { state: "on", since: first.at, partial };
}

/** Why the record cannot tell, in one clause, or undefined when it covers the service's life. */
export function recordGap(record: RecordState, service: RolloutService): string | undefined {
  if (record.state === "off") return "no swarm history was available to this check run";
  if (record.state === "never-saw")
    return `Drydock's recorder never saw service ${service.Spec.Name} (${service.ID.slice(0, 12)}): it records only while the agent (\`drydock start\`) runs`;
  if (record.partial)
    return `Drydock's recorder saw ${service.Spec.Name} only from ${record.since} on, after it was created (${service.CreatedAt}): the agent was not running before`;
  return undefined;
}

export function recordEvidence(facts: RolloutFacts, what: string, observed: unknown): Evidence {
  const svc = facts.service;
  const gap = svc ? recordGap(facts.record, svc) : undefined;
  return {
    source: HISTORY,
    field: what,
    observed,
    ...(gap ? { expected: `(record incomplete: ${gap})` } : {}),
  };
}

/** The swarm is formed and the stack's service exists; otherwise the failing outcome that says so. */
export function requireService(
  facts: RolloutFacts,
  p: RolloutParams,
): { svc: RolloutService; missing?: undefined } | { svc?: undefined; missing: CheckOutcome } {
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
  if (!facts.service) {
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
  return { svc: facts.service };
}

/** Running tasks, and whether every one runs the current spec's image. */
export function convergence(facts: RolloutFacts, svc: RolloutService) {
  const current = imageOf(svc.Spec);
  const running = facts.tasks.filter((t) => t.DesiredState === "running" && t.Status?.State === "running");
  const onCurrent = running.filter((t) =>
    digestOf(current) ? sameDigest(taskImage(t), current) : taskImage(t) === current,
  );
  const desired = svc.ServiceStatus?.DesiredTasks ?? svc.Spec.Mode?.Replicated?.Replicas ?? running.length;
  return {
    running,
    onCurrent,
    desired,
    converged: running.length > 0 && onCurrent.length === running.length && running.length >= desired,
  };
}

/** The automatic-rollback message swarmkit sets at rollback_started (overwritten when it completes). */
export const AUTO_ROLLBACK = /^update rolled back due to failure/;
export const MANUAL_ROLLBACK = /^manually requested rollback/;

export function rollbackStarts(history: readonly HistoryEvent[]) {
  const starts = history.filter(
    (e) =>
      (e.kind === "update-state" || e.kind === "seen") &&
      (e.new === "rollback_started" || e.new === "rollback_paused" || e.new === "rollback_completed") &&
      e.message !== null &&
      (AUTO_ROLLBACK.test(e.message) || MANUAL_ROLLBACK.test(e.message)),
  );
  // A rollback keeps its update's StartedAt from rollback_started to rollback_completed.
  const completedAt = (e: HistoryEvent) =>
    history.find(
      (c) =>
        c.kind === "update-state" &&
        c.new === "rollback_completed" &&
        c.startedAt === e.startedAt &&
        c.at >= e.at,
    )?.at;
  const automatic = starts.filter((e) => AUTO_ROLLBACK.test(e.message ?? ""));
  return {
    automatic,
    /** Automatic rollbacks that then completed (not paused half-way). */
    automaticCompleted: automatic
      .map((e) => ({ start: e, completedAt: completedAt(e) }))
      .filter((x): x is { start: HistoryEvent; completedAt: string } => x.completedAt !== undefined),
    manual: starts.filter((e) => MANUAL_ROLLBACK.test(e.message ?? "")),
  };
}
