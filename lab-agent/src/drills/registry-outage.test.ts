import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copy } from "./drill-fixtures.ts";
import { expectVerdicts } from "./drill-test-helpers.ts";
import { type DrillFacts, DrillRun, type SnapService, type SnapTask, TimelineEvent } from "./drill-types.ts";
import { verifyOutage } from "./registry-outage.ts";
import { ms } from "./verify-helpers.ts";

// Recorded on a real lab (the solved h15-16 stack, 2 replicas, start-first, failure_action
// rollback): the registry firewalled (REJECT) from worker-1 and worker-2, a release by a new
// digest; its task was rejected with "No such image", Swarm rolled back; then `stop`.
const dir = join(import.meta.dirname, "fixtures", "registry-outage");
const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const timeline = readFileSync(join(dir, "timeline.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => TimelineEvent.parse(JSON.parse(l)));
const services = json("case-api.inspect.json") as SnapService[];
const nodes = json("nodes.json");
const started = DrillRun.parse(json("run.json"));
const firstRestore = timeline.find((e) => e.kind === "drill" && e.message?.startsWith("restored "))?.at;

/** As `start` judged it: the timeline until then, the swarm right after. */
const atStart: DrillFacts = {
  run: started,
  timeline: timeline.filter((e) => !firstRestore || ms(e.at) < ms(firstRestore)),
  snapshot: { services, tasks: json("tasks.json") as SnapTask[], nodes, secrets: [] },
};
/** As `stop` judged it: the whole timeline, the swarm after the restore. */
const atStop: DrillFacts = {
  run: DrillRun.parse(json("run.stopped.json")),
  timeline,
  snapshot: { services, tasks: json("tasks.stopped.json") as SnapTask[], nodes, secrets: [] },
};

const variant = (from: DrillFacts, edit: (f: DrillFacts) => void) => {
  const f = copy(from);
  edit(f);
  return f;
};
const svc = (f: DrillFacts) => {
  const s = f.snapshot.services[0];
  if (!s?.Spec.UpdateConfig) throw new Error("no UpdateConfig in the recording");
  return s as SnapService & { Spec: { UpdateConfig: NonNullable<SnapService["Spec"]["UpdateConfig"]> } };
};
const release = String(started.params.releaseImage);
const good = String(started.params.goodImage);
const original = (f: DrillFacts) => (f.run.params.runningAtInject as Array<{ id: string; node: string }>)[0];
const releaseFailures = (f: DrillFacts) =>
  f.timeline.filter((e) => e.kind === "task" && e.image === release && e.state === "rejected");
const at = (f: DrillFacts, dt: number) => new Date(ms(f.run.injectedAt) + dt).toISOString();
/** The updates as another policy ends them: `rollback_*` states replaced by `state`. */
const endAs = (f: DrillFacts, state: string) => {
  const s = svc(f);
  if (s.UpdateStatus) s.UpdateStatus.State = state;
  f.timeline = f.timeline
    .filter((e) => !(e.kind === "update" && e.state === "rollback_started"))
    .map((e) => (e.kind === "update" && e.state === "rollback_completed" ? { ...e, state } : e));
};
const proberFails = (f: DrillFacts, n: number) => {
  if (f.run.prober) f.run.prober = { ...f.run.prober, fail: f.run.prober.fail + n, lastError: "timeout" };
};
/** One of the tasks that ran before the outage, stopped at `dt` after the release. */
const stopOriginal = (f: DrillFacts, dt: number, state: string, message: string) => {
  const t = original(f);
  if (!t) throw new Error("no original task");
  f.timeline.push({
    at: at(f, dt),
    source: "manager-1",
    kind: "task",
    service: "reg-case_case-api",
    task: t.id,
    node: t.node,
    state,
    desired: "shutdown",
    image: good,
    message,
  });
  const now = f.snapshot.tasks.find((x) => x.ID === t.id);
  if (now) {
    now.DesiredState = "shutdown";
    now.Status = { ...now.Status, State: state };
  }
};

const cases: Array<{ name: string; facts: DrillFacts; fails: string[]; errors?: string[] }> = [
  { name: "recorded at start: kept running, No such image, rolled back", facts: atStart, fails: [] },
  { name: "recorded at stop: the nodes reach the registry again, 2/2 running", facts: atStop, fails: [] },
  {
    name: "rejected within a second: the recorder saw rollback_started, never updating",
    facts: variant(atStart, (f) => {
      f.timeline = f.timeline.filter((e) => !(e.kind === "update" && e.state === "updating"));
    }),
    fails: [],
  },
  {
    name: "no update recorded after the release",
    facts: variant(atStart, (f) => {
      f.timeline = f.timeline.filter((e) => e.kind !== "update");
    }),
    fails: [],
    errors: ["release-blocked"],
  },
  {
    name: "failure_action pause: the update paused, the release waits",
    facts: variant(atStart, (f) => {
      svc(f).Spec.UpdateConfig.FailureAction = "pause";
      endAs(f, "paused");
    }),
    fails: [],
  },
  {
    name: "a paused registry: the pull timed out (context deadline exceeded) instead of being refused",
    facts: variant(atStart, (f) => {
      for (const e of releaseFailures(f))
        e.message = (e.message ?? "").replace(
          /No such image: \S+|connection refused/g,
          "context deadline exceeded",
        );
      f.run.params.reachDuring = Object.fromEntries(
        Object.keys(f.run.params.reachDuring as object).map((n) => [n, "failed: context deadline exceeded"]),
      );
    }),
    fails: [],
  },
  {
    name: "one replica, start-first: the single old task ran on until the rollback",
    facts: variant(atStart, (f) => {
      const s = svc(f);
      if (s.Spec.Mode?.Replicated) s.Spec.Mode.Replicated.Replicas = 1;
      f.run.params.runningAtInject = [original(f)];
    }),
    fails: [],
  },
  {
    name: "stop-first order: an old task was stopped before its replacement could get its image",
    facts: variant(atStart, (f) => {
      svc(f).Spec.UpdateConfig.Order = "stop-first";
      stopOriginal(f, 300, "shutdown", "shutdown");
      proberFails(f, 12);
    }),
    fails: ["kept-running"],
  },
  {
    name: "one replica, stop-first: the release during the outage is an outage",
    facts: variant(atStart, (f) => {
      const s = svc(f);
      if (s.Spec.Mode?.Replicated) s.Spec.Mode.Replicated.Replicas = 1;
      s.Spec.UpdateConfig.Order = "stop-first";
      f.run.params.runningAtInject = [original(f)];
      stopOriginal(f, 300, "shutdown", "shutdown");
      proberFails(f, 80);
    }),
    fails: ["kept-running"],
  },
  {
    name: "pinned by tag, no cache: a running task died and its replacement could not pull the old tag",
    facts: variant(atStart, (f) => {
      stopOriginal(f, 2000, "failed", "task: non-zero exit (137)");
      f.timeline.push({
        at: at(f, 4000),
        source: "manager-1",
        kind: "task",
        service: "reg-case_case-api",
        task: "replacement0000000000000",
        node: "worker-1",
        state: "rejected",
        desired: "shutdown",
        image: "registry:5000/reg-case-platform:1.0.0",
        message: "preparing: No such image: registry:5000/reg-case-platform:1.0.0",
      });
      proberFails(f, 30);
    }),
    fails: ["kept-running"],
  },
  {
    name: "failure_action continue: Swarm carried on with an image no node could get",
    facts: variant(atStart, (f) => {
      svc(f).Spec.UpdateConfig.FailureAction = "continue";
      endAs(f, "updating");
    }),
    fails: ["release-blocked"],
  },
  {
    name: "after stop, worker-1 still cannot reach the registry (the rule was left behind)",
    facts: variant(atStop, (f) => {
      const back = f.run.params.reachAfter as Record<string, string>;
      back["worker-1"] = "failed: dial tcp 10.5.0.2:5000: connect: connection refused";
    }),
    fails: ["recovered"],
  },
  {
    name: "after stop, case-api runs 1 of 2 replicas",
    facts: variant(atStop, (f) => {
      const running = f.snapshot.tasks.filter((t) => t.DesiredState === "running");
      const last = running.at(-1);
      if (last) last.Status = { ...last.Status, State: "rejected", Err: "No such image" };
    }),
    fails: ["recovered"],
  },
  {
    name: "no pull failure observed: the nodes had the release cached, its tasks ran",
    facts: variant(atStart, (f) => {
      for (const e of releaseFailures(f)) {
        e.state = "running";
        e.desired = "running";
        e.message = "started";
      }
      f.timeline = f.timeline.filter(
        (e) => !(e.kind === "task" && e.image === release && e.state !== "running"),
      );
      endAs(f, "completed");
    }),
    fails: [],
    errors: ["pull-failure-visible", "release-blocked"],
  },
  {
    name: "a private registry without --with-registry-auth: pull access denied is not the outage",
    facts: variant(atStart, (f) => {
      for (const e of releaseFailures(f))
        e.message = `preparing: pull access denied for ${release}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
    }),
    fails: [],
    errors: ["pull-failure-visible"],
  },
  {
    name: "the prober's counters could not be read",
    facts: variant(atStart, (f) => {
      f.run.prober = null;
    }),
    fails: [],
    errors: ["kept-running"],
  },
];

describe("registry-outage verification", () => {
  it.each(cases)("$name", ({ facts, fails, errors = [] }) => {
    const items = verifyOutage(facts);
    expectVerdicts(items, fails, errors);
    expect(items.map((i) => i.id)).toEqual(
      facts.run.stoppedAt
        ? ["kept-running", "pull-failure-visible", "release-blocked", "recovered"]
        : ["kept-running", "pull-failure-visible", "release-blocked"],
    );
  });
});
