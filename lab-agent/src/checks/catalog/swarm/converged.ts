import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import type { SwarmService, SwarmTask } from "../../collectors/collect-swarm.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import {
  hostname,
  isRunning,
  nameOf,
  nodeById,
  nodeUp,
  noSwarm,
  requireServices,
  SERVICES,
  ServiceName,
  Stack,
  stackServices,
  TASKS,
  tasksOf,
  wantedTasks,
} from "./common.ts";

const Params = z
  .object({
    stack: Stack,
    services: z.array(ServiceName).min(1).default(["case-api", "worker", "postgres", "redis"]),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** A slot that failed this often within this window, and whose task runs for less, is restarting. */
export const FLAP_WINDOW_MS = 180_000;
export const FLAP_FAILURES = 3;
export const FLAP_MIN_UP_MS = 10_000;

const time = (s: string | undefined) => (s ? Date.parse(s) : Number.NaN);

interface Verdict {
  ok: boolean;
  line: string;
  why?: string;
}

/** How many tasks Swarm wants for a service, by its mode (global: one per eligible node it placed). */
function desired(facts: ClusterFacts, svc: SwarmService, wanted: SwarmTask[]): { n: number; mode: string } {
  const mode = svc.Spec.Mode ?? {};
  if (mode.Global) {
    // Swarm makes one task per node that is up, active and meets the constraints; tasks it
    // keeps on a drained or down node are not wanted.
    const onUpNodes = wanted.filter((t) => {
      const node = nodeById(facts, t.NodeID);
      return nodeUp(node) && (node?.Spec?.Availability ?? "active") === "active";
    });
    return { n: onUpNodes.length, mode: "global" };
  }
  if (mode.ReplicatedJob) return { n: mode.ReplicatedJob.TotalCompletions ?? 1, mode: "replicated-job" };
  if (mode.GlobalJob) return { n: wanted.length, mode: "global-job" };
  return { n: mode.Replicated?.Replicas ?? 1, mode: "replicated" };
}

function lastError(tasks: SwarmTask[]): string | undefined {
  const recent = [...tasks]
    .filter((t) => t.Status?.Err || (t.Status?.State && t.Status.State !== "running"))
    .sort((a, b) => time(b.Status?.Timestamp) - time(a.Status?.Timestamp));
  const t = recent.find((x) => x.Status?.Err) ?? recent[0];
  if (!t) return undefined;
  return `${t.Status?.State}${t.Status?.Err ? `: ${t.Status.Err}` : t.Status?.Message ? ` (${t.Status.Message})` : ""}`;
}

export function judgeService(facts: ClusterFacts, svc: SwarmService): Verdict {
  const all = tasksOf(facts, svc);
  const wanted = wantedTasks(facts, svc);
  const { n, mode } = desired(facts, svc, wanted);
  const state = svc.UpdateStatus?.State;
  const name = nameOf(svc);
  const status = svc.ServiceStatus;
  const running = wanted.filter((t) => isRunning(facts, t));
  const onDown = wanted.filter((t) => t.Status?.State === "running" && !nodeUp(nodeById(facts, t.NodeID)));
  const line = `${name} (${mode}): ${running.length}/${n} running${status ? ` [ServiceStatus ${status.RunningTasks ?? 0}/${status.DesiredTasks ?? 0}]` : ""}, update ${state ?? "none"}`;

  if (mode === "replicated-job" || mode === "global-job") {
    const done = all.filter((t) => t.Status?.State === "complete").length;
    if (mode === "replicated-job" ? done >= n : wanted.length === 0 || done >= wanted.length)
      return { ok: true, line: `${line}; ${done} completed` };
    return { ok: false, line, why: `${name} has completed ${done} of ${n} job tasks` };
  }
  if (state === "updating" || state === "rollback_started")
    return {
      ok: false,
      line,
      why: `${name} is ${state === "updating" ? "still updating" : "rolling back"}${svc.UpdateStatus?.Message ? ` (${svc.UpdateStatus.Message})` : ""}`,
    };
  if (state === "paused" || state === "rollback_paused")
    return {
      ok: false,
      line,
      why: `${name}'s ${state === "paused" ? "update" : "rollback"} is paused: ${svc.UpdateStatus?.Message ?? "no message"} (docker service update ${name} resumes it, or fix and deploy again)`,
    };
  if (n === 0)
    return {
      ok: false,
      line,
      why: `${name} wants 0 replicas: nothing runs (docker service scale ${name}=N)`,
    };
  if (running.length < n) {
    const downNote = onDown.length
      ? `; ${onDown.length} of its tasks still show running on ${[...new Set(onDown.map((t) => hostname(facts, t.NodeID)))].join(", ")}, which is down`
      : "";
    const err = lastError(wanted.filter((t) => !isRunning(facts, t))) ?? lastError(all);
    return {
      ok: false,
      line: `${line}${err ? `; last: ${err}` : ""}`,
      why: `${name} runs ${running.length} of ${n} tasks${err ? ` (${err})` : ""}${downNote}`,
    };
  }
  if (mode === "replicated" && running.length > n)
    return {
      ok: false,
      line,
      why: `${name} runs ${running.length} tasks for ${n} replicas (an update is settling)`,
    };
  // Restarting: the slot keeps failing and its current task has only just started.
  for (const t of running) {
    const slotKey = mode === "global" ? t.NodeID : t.Slot;
    const failures = all.filter(
      (x) =>
        x.ID !== t.ID &&
        (mode === "global" ? x.NodeID : x.Slot) === slotKey &&
        // A service task that ends at all (failed, rejected, or exited 0: complete) was restarted.
        ["failed", "rejected", "complete"].includes(x.Status?.State ?? "") &&
        facts.at - time(x.Status?.Timestamp) < FLAP_WINDOW_MS,
    );
    const upFor = facts.at - time(t.Status?.Timestamp);
    if (failures.length >= FLAP_FAILURES && upFor < FLAP_MIN_UP_MS)
      return {
        ok: false,
        line: `${line}; slot ${slotKey}: ${failures.length} failed in ${FLAP_WINDOW_MS / 60_000} min, up ${Math.round(upFor / 1000)} s`,
        why: `${name} is restarting: its task ended ${failures.length} times in the last ${FLAP_WINDOW_MS / 60_000} minutes (${lastError(failures) ?? "failed"}) and the current one has run ${Math.round(upFor / 1000)} s`,
      };
  }
  return { ok: true, line };
}

export function evaluateConverged(facts: ClusterFacts, p: Params): CheckOutcome {
  const none = noSwarm(facts) ?? requireServices(facts, p.stack, p.services).missing;
  if (none) return none;
  const services = stackServices(facts, p.stack);
  const verdicts = services.map((s) => judgeService(facts, s));
  const evidence: Evidence[] = [
    {
      source: `${SERVICES} + ${TASKS}`,
      field: "mode, running/desired tasks, UpdateStatus.State",
      observed: verdicts.map((v) => v.line),
      expected:
        "every service: running = desired > 0, on nodes that are up, not updating, paused or restarting",
    },
  ];
  const behind = verdicts.filter((v) => !v.ok);
  if (behind.length) return fail(`Not converged: ${behind.map((v) => v.why).join("; ")}.`, evidence);
  return pass(`All ${services.length} services of ${p.stack} run as many tasks as they want.`, evidence);
}

export const converged = defineCheck({
  id: "swarm.converged",
  title: "Running replicas equal desired",
  kind: "snapshot",
  watches: { objects: ["service", "node", "container"] },
  params: Params,
  collect: (ctx) => collectCluster(ctx),
  evaluate: evaluateConverged,
});
