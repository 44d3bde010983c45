import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { verifyBadImage } from "./bad-image-rollout.ts";
import { copy, recorded } from "./drill-fixtures.ts";
import { expectVerdicts } from "./drill-test-helpers.ts";
import type { DrillFacts } from "./drill-types.ts";

// Recorded on a real lab: a release listening on 8081, the stack's /ready healthcheck, rollback policy.
const base = recorded("bad-image-rollout");
base.snapshot.tasks = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures", "bad-image-rollout", "tasks.json"), "utf8"),
);
const update = (f: DrillFacts) => {
  const u = f.snapshot.services[0]?.Spec.UpdateConfig;
  if (!u) throw new Error("no UpdateConfig");
  return u;
};
const variant = (edit: (f: DrillFacts) => void) => {
  const f = copy(base);
  edit(f);
  return f;
};
const endAs = (f: DrillFacts, state: string) => {
  const s = f.snapshot.services[0];
  if (s?.UpdateStatus) s.UpdateStatus.State = state;
  f.timeline = f.timeline.map((e) =>
    e.kind === "update" && e.state === "rollback_completed" ? { ...e, state } : e,
  );
};

const svc = (f: DrillFacts) => {
  const s = f.snapshot.services[0];
  if (!s) throw new Error("no service");
  return s;
};
const bad = String(base.run.params.badImage);
const good = String(base.run.params.goodImage);
const isBad = (image: string | undefined) => image === bad;
/**
 * The same release, but Swarm saw no reason to stop it: the update completed, the bad tasks took
 * both slots (they listen on 8081, so the prober's requests to :8080 are refused). With
 * `failures`, the bad tasks still failed their healthcheck (a tolerated failure); without, nothing
 * ever said they were bad (no healthcheck).
 */
const completedRollout = (f: DrillFacts, failures: boolean) => {
  const s = svc(f);
  if (s.UpdateStatus) s.UpdateStatus = { ...s.UpdateStatus, State: "completed", Message: "update completed" };
  const end = f.timeline.find((e) => e.kind === "update" && e.state === "rollback_completed")?.at ?? "";
  f.timeline = f.timeline
    .filter((e) => !(e.kind === "update" && e.state?.startsWith("rollback")))
    .filter((e) => !(e.kind === "service" && e.action === "image" && e.detail?.new === good))
    .filter(
      (e) =>
        failures ||
        !(
          (e.kind === "container" &&
            e.service === s.Spec.Name &&
            e.action !== "create" &&
            e.action !== "start") ||
          (e.kind === "task" && isBad(e.image) && e.state !== "starting")
        ),
    );
  f.timeline.push({
    at: end,
    source: "manager-1",
    kind: "update",
    service: s.Spec.Name,
    state: "completed",
    message: "update completed",
    image: bad,
  });
  for (const t of f.snapshot.tasks) {
    const mine = isBad(t.Spec?.ContainerSpec?.Image) && t.Status?.State !== "failed";
    t.DesiredState = mine ? "running" : "shutdown";
    t.Status = { ...t.Status, State: mine ? "running" : "shutdown" };
  }
  const b = f.run.prober;
  if (b) f.run.prober = { ...b, fail: b.fail + 60, lastError: "10.0.1.25 ECONNREFUSED" };
};

const cases: Array<{ name: string; facts: DrillFacts; fails: string[]; errors?: string[] }> = [
  { name: "recorded: rolled back, the previous digest kept serving", facts: base, fails: [] },
  {
    name: "failure_action pause: the update paused, per policy",
    facts: variant((f) => {
      update(f).FailureAction = "pause";
      endAs(f, "paused");
    }),
    fails: [],
  },
  {
    name: "no rollback policy (failure_action continue)",
    facts: variant((f) => {
      update(f).FailureAction = "continue";
    }),
    fails: ["per-policy"],
  },
  {
    name: "monitor not set",
    facts: variant((f) => {
      delete update(f).Monitor;
    }),
    fails: ["monitor-caught"],
  },
  {
    name: "rollback policy, but the update paused instead",
    facts: variant((f) => endAs(f, "paused")),
    fails: ["per-policy"],
  },
  {
    name: "requests failed during the rollout (stop-first on one replica)",
    facts: variant((f) => {
      if (f.run.prober) f.run.prober = { ...f.run.prober, fail: f.run.prober.fail + 40 };
    }),
    fails: ["previous-kept-serving"],
  },
  {
    name: "a longer monitor (30 s): still caught and rolled back",
    facts: variant((f) => {
      update(f).Monitor = 30_000_000_000;
    }),
    fails: [],
  },
  {
    name: "two requests failed while a task moved: within the tolerance",
    facts: variant((f) => {
      if (f.run.prober) f.run.prober = { ...f.run.prober, fail: f.run.prober.fail + 2 };
    }),
    fails: [],
  },
  {
    name: "no healthcheck (HEALTHCHECK NONE): Swarm never sees the release is bad, the update completes",
    facts: variant((f) => {
      const c = svc(f).Spec.TaskTemplate?.ContainerSpec;
      if (c) c.Healthcheck = { Test: ["NONE"] };
      completedRollout(f, false);
    }),
    fails: ["monitor-caught", "per-policy", "previous-kept-serving"],
  },
  {
    name: "max_failure_ratio 1: the failing tasks are tolerated, the update completes",
    facts: variant((f) => {
      update(f).MaxFailureRatio = 1;
      completedRollout(f, true);
    }),
    fails: ["monitor-caught", "per-policy", "previous-kept-serving"],
  },
  {
    name: "rolled back to the wrong digest (an older release was the previous spec)",
    facts: variant((f) => {
      const older =
        "registry:5000/reg-case-platform@sha256:0b8e1f33a9c4d2e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3";
      for (const t of f.snapshot.tasks)
        if (t.DesiredState === "running" && t.Spec?.ContainerSpec) t.Spec.ContainerSpec.Image = older;
    }),
    fails: ["previous-kept-serving"],
  },
  {
    name: "the rollback itself paused (its tasks failed too)",
    facts: variant((f) => endAs(f, "rollback_paused")),
    fails: ["per-policy"],
  },
  {
    name: "the prober's counters could not be read",
    facts: variant((f) => {
      f.run.prober = null;
    }),
    fails: [],
    errors: ["previous-kept-serving"],
  },
  {
    name: "no update recorded (the running digest released again: nothing to roll out)",
    facts: variant((f) => {
      f.timeline = f.timeline.filter((e) => e.kind !== "update");
    }),
    fails: [],
    errors: ["update-started"],
  },
];

describe("bad-image-rollout verification", () => {
  it.each(cases)("$name", ({ facts, fails, errors = [] }) => {
    const items = verifyBadImage(facts);
    expectVerdicts(items, fails, errors);
  });
});
