import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SwarmFacts, SwarmService } from "../../src/checks/collect-swarm.ts";
import {
  evaluatePreviousDigest,
  evaluateRollback,
  evaluateUpdateConfig,
} from "../../src/checks/rollout-checks.ts";
import { repoRoot } from "../../src/common/paths.ts";

// Recorded from a real lab (laptop and manager-1, Docker 26): image inspect/history, /etc/passwd, top, service inspect.
const FIX = join(repoRoot, "lab-agent/test/unit/fixtures/checks");
const json = <T>(name: string): T => JSON.parse(readFileSync(join(FIX, name), "utf8")) as T;
// The hours 3-4 checks are judged by their variant tables beside them (src/checks/catalog/image/*.test.ts).

describe("swarm checks on a recorded service", () => {
  const [svc] = json<SwarmService[]>("service-case-api.json");
  const facts = (s: SwarmService): SwarmFacts => ({
    localState: "active",
    isManager: true,
    nodes: [],
    services: [s],
    tasks: [],
  });
  const params = { stack: "reg-case", service: "case-api" };

  it("update config from stack.yml is safe; Swarm's defaults are not", () => {
    expect(evaluateUpdateConfig({ swarm: facts(svc as SwarmService), history: [] }, params).status).toBe(
      "pass",
    );
    const defaults = {
      ...(svc as SwarmService),
      Spec: {
        ...(svc as SwarmService).Spec,
        UpdateConfig: { Parallelism: 1, FailureAction: "pause", Order: "stop-first" },
      },
    };
    expect(evaluateUpdateConfig({ swarm: facts(defaults), history: [] }, params).summary).toMatch(
      /failure_action is pause, order is stop-first, no monitor window/,
    );
  });

  it("rollback: a manual one or a paused one fails; an automatic one with a failed task passes", () => {
    const digest = (c: string) => `registry:5000/reg-case-platform@sha256:${c.repeat(64)}`;
    const rolled: SwarmService = {
      ...(svc as SwarmService),
      Spec: {
        ...(svc as SwarmService).Spec,
        TaskTemplate: { ...(svc as SwarmService).Spec.TaskTemplate, ContainerSpec: { Image: digest("a") } },
      },
      PreviousSpec: { TaskTemplate: { ContainerSpec: { Image: digest("b") } } },
      UpdateStatus: { State: "rollback_completed", Message: "rollback completed" },
      ServiceStatus: { RunningTasks: 1, DesiredTasks: 1 },
    };
    const tasks = [
      {
        ID: "t1",
        ServiceID: rolled.ID,
        DesiredState: "running",
        Status: { State: "running" },
        Spec: { ContainerSpec: { Image: digest("a") } },
      },
      {
        ID: "t2",
        ServiceID: rolled.ID,
        DesiredState: "shutdown",
        Status: { State: "failed", Err: "task: non-zero exit (137): unhealthy container" },
        Spec: { ContainerSpec: { Image: digest("b") } },
      },
    ];
    const swarm = { ...facts(rolled), tasks };
    expect(evaluateRollback({ swarm, history: [] }, params).status).toBe("pass");
    const manual = [
      {
        at: "t",
        service: "reg-case_case-api",
        kind: "update-state" as const,
        old: "completed",
        new: "rollback_started",
        message: "manually requested rollback",
        image: digest("b"),
      },
    ];
    expect(evaluateRollback({ swarm, history: manual }, params).summary).toContain("by hand");
    const paused = { ...rolled, UpdateStatus: { State: "paused", Message: "update paused due to failure" } };
    expect(evaluateRollback({ swarm: { ...facts(paused), tasks }, history: [] }, params).summary).toContain(
      "paused instead",
    );
    expect(evaluatePreviousDigest({ swarm, history: [] }, params).summary).toContain(
      `sha256:${"b".repeat(64)}`,
    );
    const noPrev = { ...rolled, PreviousSpec: undefined };
    expect(evaluatePreviousDigest({ swarm: facts(noPrev), history: [] }, params).summary).toContain(
      "no previous spec",
    );
  });
});
