import { describe, expect, it } from "vitest";
import type { RolloutFacts, RolloutService } from "../../collectors/rollout-facts.ts";
import {
  BAD,
  factsOf,
  loadRecorded,
  NO_SWARM,
  PARAMS,
  replay,
  runningOn,
  task,
  V2,
  withService,
} from "./fixture-support.ts";
import { evaluateRollbackAutomatic } from "./rollback-automatic.ts";

const C = "rollback-automatic";
// As `docker service ps` showed it after Swarm's rollback (fixtures/…/auto-rolled-back-ps.txt):
// one bad task ended by itself (unhealthy, killed: Complete), one stopped by the rollback.
const afterAutoRollback = (svc: RolloutService) => [
  ...runningOn(svc, 2),
  task(svc, BAD, "complete", "shutdown", "2026-12-01T20:51:11Z"),
  task(svc, BAD, "shutdown", "shutdown", "2026-12-01T20:51:20Z"),
];

/** failure_action continue, or no healthcheck: the bad release completes and runs. */
const badCompleted = (): RolloutFacts => {
  const base = replay(C, "10-v3-32");
  return withService({ ...base, history: [] }, (svc) => {
    const cs = svc.Spec.TaskTemplate?.ContainerSpec;
    if (cs) cs.Image = BAD;
    return svc;
  }) satisfies RolloutFacts;
};
const withTasks = (facts: RolloutFacts, failed: boolean): RolloutFacts => {
  const svc = facts.service as RolloutService;
  const tasks = [
    ...runningOn(svc, 2),
    ...(failed ? [task(svc, V2, "failed", "shutdown", undefined, "task: non-zero exit (1)")] : []),
  ];
  return { ...facts, tasks, swarm: { ...facts.swarm, tasks } };
};

const right: Array<[string, () => RolloutFacts, RegExp]> = [
  [
    "Swarm's own rollback of the bad 1.2.0, recorded live (rollback_started 'update rolled back due to failure…', then rollback_completed)",
    () => replay(C, "03-auto-rolled-back", { tasks: afterAutoRollback }),
    /no PreviousSpec left/,
  ],
  [
    "the same with the agent not running: PreviousSpec cleared is Swarm's mark of an automatic rollback",
    () => replay(C, "03-auto-rolled-back", { history: false, tasks: afterAutoRollback }),
    /no PreviousSpec left.*1 task\(s\) of registry:5000\/reg-case-platform@sha256:483811c9c9c6… failed first/,
  ],
  [
    "the same after the failed tasks were pruned from task history (TaskHistoryRetentionLimit)",
    () => replay(C, "03-auto-rolled-back", { history: false }),
    /no PreviousSpec left/,
  ],
  [
    "a later good update (1.1.1) overwrote UpdateStatus: the record keeps the automatic rollback",
    () => replay(C, "10-v3-32"),
    /recorded: "update rolled back due to failure/,
  ],
  [
    "a manual `docker service rollback` after a later update: the record still shows the earlier automatic one",
    () => replay(C, "11-manual-22"),
    /recorded: "update rolled back due to failure/,
  ],
];

const wrong: Array<[string, () => RolloutFacts, RegExp]> = [
  [
    "a fresh deploy: nothing was ever rolled out",
    () => factsOf(loadRecorded(C, "deployed")),
    /No rollout was rolled back: UpdateStatus is empty/,
  ],
  [
    "one good update and no bad one",
    () => factsOf(loadRecorded(C, "updated")),
    /No rollout was rolled back: UpdateStatus is completed/,
  ],
  [
    "failure_action pause (Swarm's default): the bad rollout stops half-way",
    () =>
      replay(C, "13-pause-38", {
        history: false,
        tasks: (s) => [...runningOn(s, 1), task(s, BAD, "complete", "shutdown")],
      }),
    /paused instead of rolling back \(failure_action is pause\)/,
  ],
  [
    "paused, then `docker service rollback` by hand (Spec and PreviousSpec swapped)",
    () => replay(C, "14-manual-from-paused-12", { history: false }),
    /requested by hand.*recorder never saw/,
  ],
  [
    "a good update, then `docker service update --rollback` (a manual rollback, no failure)",
    () => replay(C, "12-update-rollback-23", { history: false }),
    /requested by hand/,
  ],
  [
    "Swarm started the rollback, but rollback_config's failure_action pause stopped it half-way (recorded under load)",
    () => factsOf(loadRecorded(C, "auto-rollback-paused-under-load")),
    /started rolling the failed update back by itself, but the rollback paused half-way/,
  ],
  [
    "failure_action continue: the bad release completes although a task failed",
    () => withTasks(badCompleted(), true),
    /completed although 1 task\(s\) failed/,
  ],
  [
    "no healthcheck (or monitor 0s): the bad release runs and the update completes as if it were good",
    () => withTasks(badCompleted(), false),
    /No rollout was rolled back: UpdateStatus is completed \(a bad release with no healthcheck/,
  ],
  [
    "the manual rollback after a later update, with the agent never running: the automatic one is unknown",
    () => replay(C, "11-manual-22", { history: false }),
    /requested by hand.*so an earlier automatic rollback would not show/,
  ],
  ["no swarm at all", () => NO_SWARM, /not a swarm manager/],
];

describe("swarm.rollback.automatic", () => {
  it.each(right)("passes: %s", (_name, facts, summary) => {
    const r = evaluateRollbackAutomatic(facts(), PARAMS);
    expect(r.status, r.summary).toBe("pass");
    expect(r.summary).toMatch(summary);
  });

  it.each(wrong)("fails: %s", (_name, facts, summary) => {
    const r = evaluateRollbackAutomatic(facts(), PARAMS);
    expect(r.status, r.summary).toBe("fail");
    expect(r.summary).toMatch(summary);
  });

  it("can't tell yet while Swarm is rolling back (rollback_started, tasks still moving)", () => {
    const facts = replay(C, "02-bad-40", {
      tasks: (s) => [...runningOn(s, 1), task(s, BAD, "running", "shutdown")],
    });
    const r = evaluateRollbackAutomatic(facts, PARAMS);
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/^Can't tell yet, because Swarm is rolling .* back/);
  });

  it("the evidence shows UpdateStatus, PreviousSpec and the recorded rollbacks", () => {
    const r = evaluateRollbackAutomatic(replay(C, "11-manual-22"), PARAMS);
    const text = JSON.stringify(r.evidence);
    expect(text).toContain("manually requested rollback");
    expect(text).toContain("update rolled back due to failure");
    expect(text).toContain(V2.slice(-64, -52));
  });
});
