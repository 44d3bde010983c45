import { describe, expect, it } from "vitest";
import type { SwarmTask } from "../../collectors/collect-swarm.ts";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";
import { evaluateConverged } from "./converged.ts";
import { clone, node, recordedCluster, service, tasksOfService } from "./fixtures/load.ts";

const params = { stack: "reg-case", services: ["case-api", "worker", "postgres", "redis"] };
const solved = recordedCluster();
const iso = (ms: number) => new Date(ms).toISOString();

/** A task of a service's history, as Swarm leaves it: same slot, an end state, shut down. */
function past(
  c: ClusterFacts,
  svc: string,
  state: string,
  agoMs: number,
  extra: Partial<SwarmTask["Status"]> = {},
) {
  const [t] = tasksOfService(c, svc);
  const old = clone(t as SwarmTask);
  old.ID = `old-${svc}-${agoMs}-${state}`;
  old.DesiredState = "shutdown";
  old.Status = { ...old.Status, State: state, Timestamp: iso(c.at - agoMs), ...extra };
  c.tasks.push(old);
}

function setRunningFor(c: ClusterFacts, svc: string, ms: number) {
  for (const t of tasksOfService(c, svc))
    if (t.DesiredState === "running") t.Status = { ...t.Status, Timestamp: iso(c.at - ms) };
}

type Variant = [
  name: string,
  edit: (c: ClusterFacts) => ClusterFacts | undefined,
  status: "pass" | "fail",
  summary: RegExp,
];
const variants: Variant[] = [
  [
    "the recorded solve: 2/2, 1/1, 1/1, 1/1",
    () => undefined,
    "pass",
    /All 4 services of reg-case run as many tasks as they want/,
  ],
  [
    "history of a finished start-first update: old tasks shut down, new ones running",
    (c) => {
      past(c, "reg-case_case-api", "shutdown", 90_000);
      past(c, "reg-case_case-api", "shutdown", 80_000);
      service(c, "reg-case_case-api").UpdateStatus = { State: "completed", Message: "update completed" };
      return undefined;
    },
    "pass",
    /All 4 services/,
  ],
  [
    "after an automatic rollback (rollback_completed): converged on the previous spec",
    (c) => {
      past(c, "reg-case_case-api", "failed", 120_000, {
        Err: "task: non-zero exit (1): dockerexec: unhealthy container",
      });
      service(c, "reg-case_case-api").UpdateStatus = {
        State: "rollback_completed",
        Message: "rollback completed",
      };
      return undefined;
    },
    "pass",
    /All 4 services/,
  ],
  [
    "redis as a global service on the one stateful node",
    (c) => {
      service(c, "reg-case_redis").Spec.Mode = { Global: {} };
      return undefined;
    },
    "pass",
    /All 4 services/,
  ],
  [
    "one failure at start (api before postgres was ready), stable since",
    (c) => {
      past(c, "reg-case_case-api", "failed", 50_000, { Err: "task: non-zero exit (1)" });
      setRunningFor(c, "reg-case_case-api", 40_000);
      return undefined;
    },
    "pass",
    /All 4 services/,
  ],
  [
    "a task still shown running on worker-1, which is down (Swarm has not replaced it yet)",
    (c) => {
      node(c, "worker-1").Status = { State: "down", Message: "heartbeat failure" };
      return undefined;
    },
    "fail",
    /reg-case_worker runs 0 of 1 tasks.*still show running on worker-1, which is down/,
  ],
  [
    "reservation of 64 GB: tasks pending, no suitable node",
    (c) => {
      for (const t of tasksOfService(c, "reg-case_case-api"))
        t.Status = {
          State: "pending",
          Message: "pending task scheduling",
          Err: "no suitable node (insufficient resources on 3 nodes)",
          Timestamp: iso(c.at - 5_000),
        };
      return undefined;
    },
    "fail",
    /reg-case_case-api runs 0 of 2 tasks \(pending: no suitable node \(insufficient resources on 3 nodes\)\)/,
  ],
  [
    "an update in progress (docker service update, start-first)",
    (c) => {
      service(c, "reg-case_case-api").UpdateStatus = { State: "updating", Message: "update in progress" };
      return undefined;
    },
    "fail",
    /reg-case_case-api is still updating \(update in progress\)/,
  ],
  [
    "an update paused after a failed task (failure_action pause)",
    (c) => {
      service(c, "reg-case_case-api").UpdateStatus = {
        State: "paused",
        Message: "update paused due to failure or early termination of task abc",
      };
      return undefined;
    },
    "fail",
    /update is paused: update paused due to failure/,
  ],
  [
    "scaled to 0 (docker service scale reg-case_worker=0)",
    (c) => {
      service(c, "reg-case_worker").Spec.Mode = { Replicated: { Replicas: 0 } };
      for (const t of tasksOfService(c, "reg-case_worker")) t.DesiredState = "shutdown";
      return undefined;
    },
    "fail",
    /reg-case_worker wants 0 replicas/,
  ],
  [
    "the image is not in the registry: tasks rejected",
    (c) => {
      for (const t of tasksOfService(c, "reg-case_worker"))
        t.Status = {
          State: "rejected",
          Err: "No such image: registry:5000/reg-case-platform@sha256:1111…",
          Timestamp: iso(c.at - 3_000),
        };
      return undefined;
    },
    "fail",
    /reg-case_worker runs 0 of 1 tasks \(rejected: No such image/,
  ],
  [
    "crash-looping without a healthcheck: running this second, failed 4 times in 3 minutes",
    (c) => {
      for (const ago of [20_000, 50_000, 80_000, 110_000])
        past(c, "reg-case_worker", "failed", ago, { Err: "task: non-zero exit (1)" });
      setRunningFor(c, "reg-case_worker", 2_000);
      return undefined;
    },
    "fail",
    /reg-case_worker is restarting: its task ended 4 times/,
  ],
  [
    "recorded on an overloaded host: health checks time out, tasks end and restart (Complete)",
    () => recordedCluster("converged/restarting-under-load"),
    "fail",
    /Not converged: .*reg-case_worker runs 0 of 1 tasks \(starting/,
  ],
  [
    "recorded: worker-2 lost its stateful label; redis and postgres rejected by the constraint enforcer, now pending",
    () => recordedCluster("placement/stateful-label-removed"),
    "fail",
    /reg-case_(redis|postgres) runs 0 of 1 tasks \(pending: no suitable node \(scheduling constraints not satisfied on 3 nodes\)\)/,
  ],
  [
    "redis missing from the stack (removed with --prune)",
    (c) => {
      c.services = c.services.filter((s) => s.Spec.Name !== "reg-case_redis");
      return undefined;
    },
    "fail",
    /The stack reg-case has no service reg-case_redis/,
  ],
];

describe("swarm.converged on recorded services and tasks", () => {
  it.each(variants)("%s", (_name, edit, status, summary) => {
    const c = clone(solved);
    const facts = edit(c) ?? c;
    const r = evaluateConverged(facts, params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });
});
