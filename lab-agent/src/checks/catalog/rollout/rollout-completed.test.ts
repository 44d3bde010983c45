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
  V1,
  V2,
  withService,
} from "./fixture-support.ts";
import { evaluateRolloutCompleted } from "./rollout-completed.ts";

const C = "rollout-completed";
const setTasks = (facts: RolloutFacts, tasks: (s: RolloutService) => ReturnType<typeof runningOn>) => {
  const t = tasks(facts.service as RolloutService);
  return { ...facts, tasks: t, swarm: { ...facts.swarm, tasks: t } };
};
/** `docker stack deploy` run again with APP_IMAGE_DIGEST set to the new release: an update too. */
const redeployedWithNewDigest = () =>
  withService(settled(factsOf(loadRecorded(C, "updated"), { history: false })), (s) => {
    s.Spec.Labels = { ...s.Spec.Labels, "com.docker.stack.image": V2 };
    return s;
  });
/** `docker service update --force` on the deployed digest: tasks replaced, same release. */
const forcedSameDigest = () =>
  withService(factsOf(loadRecorded(C, "deployed")), (s) => {
    s.PreviousSpec = structuredClone(s.Spec);
    s.UpdateStatus = { State: "completed", Message: "update completed", StartedAt: "2026-12-01T21:10:00Z" };
    return s;
  });
/** A manual `docker service rollback` after the update to 1.1.0: back on the deployed 1.0.0. */
const rolledBackToDeployed = () => {
  const updated = factsOf(loadRecorded(C, "updated"));
  const facts = withService(updated, (s) => {
    const now = structuredClone(s.Spec);
    s.Spec = structuredClone(s.PreviousSpec ?? s.Spec);
    s.PreviousSpec = now;
    s.UpdateStatus = {
      State: "rollback_completed",
      Message: "rollback completed",
      StartedAt: "2026-12-01T21:12:00Z",
    };
    return s;
  });
  return setTasks(facts, (s) => runningOn(s, 2));
};
/** --no-resolve-image: the spec names a tag, so no digest is known. */
const byTagOnly = () =>
  setTasks(
    withService(factsOf(loadRecorded(C, "updated"), { history: false }), (s) => {
      const cs = s.Spec.TaskTemplate?.ContainerSpec;
      if (cs) cs.Image = "registry:5000/reg-case-platform:1.1.0";
      return s;
    }),
    (s) => runningOn(s, 2),
  );

/** The recorded tasks plus both slots running the new release (the recording caught one still starting). */
const settled = (facts: RolloutFacts) =>
  setTasks(facts, (s) => [...facts.tasks.filter((t) => t.DesiredState === "shutdown"), ...runningOn(s, 2)]);

const right: Array<[string, () => RolloutFacts, RegExp]> = [
  [
    "the update to 1.1.0 by digest, recorded on a real lab, once its last task turned healthy",
    () => settled(factsOf(loadRecorded(C, "updated"))),
    /^Updated from .*ac374a8eb22b… to .*29b9fc20c0dc…/,
  ],
  [
    "the same, with the agent not running (Swarm's UpdateStatus and PreviousSpec tell it)",
    () => settled(factsOf(loadRecorded(C, "updated"), { history: false })),
    /^Updated from/,
  ],
  [
    "a second update (1.1.1) after Swarm rolled a bad one back",
    () => replay(C, "10-v3-32"),
    /^Updated from .*29b9fc20c0dc… to .*e57ce67712b1…/,
  ],
  [
    "after Swarm rolled the bad 1.2.0 back to 1.1.0 (UpdateStatus says rollback_completed): the service runs another digest than deployed",
    () => replay(C, "03-auto-rolled-back", { history: false }),
    /^Rolled from the deployed .*ac374a8eb22b… to .*29b9fc20c0dc…/,
  ],
  [
    "`docker stack deploy` again with the new digest (an update of the same service)",
    redeployedWithNewDigest,
    /^Updated from/,
  ],
  [
    "a manual rollback after 1.1.1: back on 1.1.0, which an update brought",
    () => replay(C, "11-manual-22"),
    /Rolled from the deployed|completed at/,
  ],
];

const wrong: Array<[string, () => RolloutFacts, RegExp]> = [
  [
    "a fresh deploy (or stack rm + deploy: a new service, nothing rolled)",
    () => factsOf(loadRecorded(C, "deployed")),
    /No completed rolling update to a new digest: it runs .*as the stack deployed it/,
  ],
  [
    "failure_action pause left it half-way on the bad release",
    () => replay(C, "13-pause-38", { tasks: (s) => [...runningOn(s, 1), task(s, V2, "running", "running")] }),
    /The update is paused/,
  ],
  [
    "`docker service update --force` on the same digest",
    forcedSameDigest,
    /the last update kept the same digest/,
  ],
  [
    "rolled back by hand to the deployed digest after the update",
    rolledBackToDeployed,
    /was rolled back to the deployed/,
  ],
  ["updated by tag with --no-resolve-image", byTagOnly, /a tag with no digest/],
  [
    "the update completed, then a new task was killed as unhealthy and its replacement is still starting (recorded under load)",
    () => factsOf(loadRecorded(C, "updated")),
    /has not converged .*1 of 2/,
  ],
  [
    "the update completed but a task still runs the old release",
    () =>
      setTasks(factsOf(loadRecorded(C, "updated")), (s) => [
        ...runningOn(s, 1),
        task(s, V1, "running", "running"),
      ]),
    /has not converged .*1 of 2/,
  ],
  ["no swarm", () => NO_SWARM, /not a swarm manager/],
];

describe("swarm.rollout.completed", () => {
  it.each(right)("passes: %s", (_name, facts, summary) => {
    const r = evaluateRolloutCompleted(facts(), PARAMS);
    expect(r.status, r.summary).toBe("pass");
    expect(r.summary).toMatch(summary);
  });

  it.each(wrong)("fails: %s", (_name, facts, summary) => {
    const r = evaluateRolloutCompleted(facts(), PARAMS);
    expect(r.status, r.summary).toBe("fail");
    expect(r.summary).toMatch(summary);
  });

  it("can't tell yet while an update runs", () => {
    const r = evaluateRolloutCompleted(
      replay(C, "02-bad-1", {
        tasks: (s) => [
          ...runningOn(s, 1),
          task(s, V2, "running", "running"),
          task(s, BAD, "starting", "running"),
        ],
      }),
      PARAMS,
    );
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/^Can't tell yet, because .* is being updated/);
  });
});
