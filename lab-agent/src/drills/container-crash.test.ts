import { describe, expect, it } from "vitest";
import { verifyCrash } from "./container-crash.ts";
import { copy, recorded } from "./drill-fixtures.ts";
import type { DrillFacts } from "./drill-types.ts";

// The recorded drill: SIGKILL to one of two case-api tasks on a real lab (restart any, delay 2 s,
// the stack's /ready healthcheck). Variants edit it the way real services differ.
const base = recorded("container-crash");
const killed = String(base.run.params.task);
const spec = (f: DrillFacts) =>
  f.snapshot.services[0]?.Spec.TaskTemplate as NonNullable<
    DrillFacts["snapshot"]["services"][0]["Spec"]["TaskTemplate"]
  >;
const variant = (edit: (f: DrillFacts) => void) => {
  const f = copy(base);
  edit(f);
  return f;
};
const termExit0 = (f: DrillFacts) => {
  f.run.params.signal = "TERM";
  f.run.params.logTail = '{"msg":"SIGTERM received, draining"}';
  for (const e of f.timeline)
    if (e.task === killed && e.exitCode !== undefined) {
      e.exitCode = 0;
      e.message = "finished";
      if (e.state === "failed") e.state = "complete";
    }
};
const noReplacement = (f: DrillFacts) => {
  f.timeline = f.timeline.filter((e) => e.task === killed || e.kind !== "task" || !e.detail?.first);
  f.timeline = f.timeline.filter((e) => e.kind !== "task" || e.task === killed);
};

const cases: Array<{ name: string; facts: DrillFacts; fails: string[] }> = [
  { name: "recorded: SIGKILL, restart any, healthcheck on /ready", facts: base, fails: [] },
  {
    name: "SIGTERM: a graceful exit 0 under condition any, its log names the signal",
    facts: variant(termExit0),
    fails: [],
  },
  {
    name: "condition on-failure (the seed's stack) with a SIGKILL (exit 137)",
    facts: variant((f) => {
      spec(f).RestartPolicy = { Condition: "on-failure", Delay: 5e9, MaxAttempts: 3 };
    }),
    fails: [],
  },
  {
    name: "the health event was not recorded, the task was starting first",
    facts: variant((f) => {
      f.timeline = f.timeline.filter((e) => e.action !== "health_status: healthy");
    }),
    fails: [],
  },
  {
    name: "the image's own HEALTHCHECK (none in the stack file)",
    facts: variant((f) => {
      delete spec(f).ContainerSpec?.Healthcheck;
    }),
    fails: [],
  },
  {
    name: "restart_policy condition none: nothing replaces the task",
    facts: variant((f) => {
      spec(f).RestartPolicy = { Condition: "none" };
      noReplacement(f);
    }),
    fails: ["task-replaced", "restart-policy"],
  },
  {
    name: "on-failure with SIGTERM: exit 0 leaves the slot empty",
    facts: variant((f) => {
      spec(f).RestartPolicy = { Condition: "on-failure" };
      termExit0(f);
      noReplacement(f);
    }),
    fails: ["task-replaced", "restart-policy"],
  },
  {
    name: "healthcheck disabled (test: NONE)",
    facts: variant((f) => {
      if (spec(f).ContainerSpec)
        (spec(f).ContainerSpec as { Healthcheck?: object }).Healthcheck = { Test: ["NONE"] };
    }),
    fails: ["not-healthy-while-restarting"],
  },
  {
    name: "running before its health check passed",
    facts: variant((f) => {
      f.timeline = f.timeline.filter((e) => e.state !== "starting");
      for (const e of f.timeline)
        if (e.action === "health_status: healthy") e.at = "2026-12-02T04:10:30.000Z";
    }),
    fails: ["not-healthy-while-restarting"],
  },
  {
    name: "an exit code that names no signal and a silent log",
    facts: variant((f) => {
      f.run.params.logTail = "";
      for (const e of f.timeline)
        if (e.task === killed && e.exitCode !== undefined) {
          e.exitCode = 1;
          e.message = "task: non-zero exit (1)";
        }
    }),
    fails: ["logs-show-cause"],
  },
];

describe("container-crash verification", () => {
  it.each(cases)("$name", ({ facts, fails }) => {
    const items = verifyCrash(facts);
    expect(items.map((i) => i.id)).toEqual([
      "task-replaced",
      "restart-policy",
      "logs-show-cause",
      "not-healthy-while-restarting",
    ]);
    const failed = items.filter((i) => i.status === "fail").map((i) => i.id);
    expect(failed, items.map((i) => `${i.id}: ${i.summary}`).join("\n")).toEqual(fails);
    for (const i of items) if (i.status === "pass") expect(i.evidence.length, i.id).toBeGreaterThan(0);
  });
});
