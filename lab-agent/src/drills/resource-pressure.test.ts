import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copy } from "./drill-fixtures.ts";
import { type DrillFacts, DrillRun, type SnapService, TimelineEvent } from "./drill-types.ts";
import { consumerOutput, loweredLimit, MiB, resourcePressure, verifyPressure } from "./resource-pressure.ts";

// Recorded on a real lab (the drills' tests, support/drill-runs.ts, with DRYDOCK_DRILL_RECORD): case-api at 2 replicas,
// limit 256 MiB lowered for the drill, the consumer in one task, the kernel killed it (exit 137,
// OOMKilled), its slot replaced, 0 failed requests. Variants edit it the way real setups differ.
const dir = join(import.meta.dirname, "fixtures", "resource-pressure");
const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const facts = (run: string, timeline: string, services: string, tasks: string): DrillFacts => ({
  run: DrillRun.parse(json(run)),
  timeline: readFileSync(join(dir, timeline), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => TimelineEvent.parse(JSON.parse(l))),
  snapshot: { services: json(services), tasks: json(tasks), nodes: json("nodes.json"), secrets: [] },
});
const base = facts("run.json", "timeline.jsonl", "case-api.inspect.json", "tasks.json");
const NAME = "reg-case_case-api";
const killed = String(base.run.params.task);
const lowered = Number(base.run.params.lowered);
const api = (f: DrillFacts) => f.snapshot.services.find((s) => s.Spec.Name === NAME) as SnapService;
const later = (f: DrillFacts, s: number) =>
  new Date(Date.parse(f.run.injectedAt as string) + s * 1000).toISOString();
const variant = (from: DrillFacts, edit: (f: DrillFacts) => void) => {
  const f = copy(from);
  edit(f);
  return f;
};
/** The learner's `docker service update --limit-memory`: its service event and the spec after it. */
const learnerSets = (f: DrillFacts, bytes: number | null, update = "completed") => {
  const svc = api(f);
  const limits = svc.Spec.TaskTemplate?.Resources?.Limits ?? {};
  const old = limits.MemoryBytes ?? null;
  if (bytes) limits.MemoryBytes = bytes;
  else delete limits.MemoryBytes;
  svc.UpdateStatus = { State: update, Message: `update ${update}` };
  f.timeline.push({
    at: later(f, 60),
    source: "manager-1",
    kind: "service",
    service: NAME,
    action: "memory",
    message: `memory: ${old ?? "none"} → ${bytes ?? "none"}`,
    detail: { old, new: bytes },
  });
};
/** `stop`: its restore notes, the limit put back (a service event), stoppedAt. */
const stopped = (f: DrillFacts) => {
  const prev = Number(f.run.params.previousLimit);
  const now = api(f).Spec.TaskTemplate?.Resources?.Limits?.MemoryBytes ?? null;
  f.timeline.push(
    { at: later(f, 90), source: "drill", kind: "drill", message: "restoring service-resources" },
    {
      at: later(f, 91),
      source: "manager-1",
      kind: "service",
      service: NAME,
      action: "memory",
      message: `memory: ${now} → ${prev}`,
      detail: { old: now, new: prev },
    },
    { at: later(f, 92), source: "drill", kind: "drill", message: "restored service-resources" },
  );
  const limits = api(f).Spec.TaskTemplate?.Resources?.Limits;
  if (limits) limits.MemoryBytes = prev;
  f.run.stoppedAt = later(f, 120);
};
/** The killed task's slot never got a new task (restart condition none). */
const noReplacement = (f: DrillFacts) => {
  const t0 = Date.parse(f.run.injectedAt as string) - 1000;
  const fresh = new Set(
    f.timeline
      .filter(
        (e) =>
          e.kind === "task" &&
          e.service === NAME &&
          e.task !== killed &&
          e.detail?.first &&
          Date.parse(e.at) >= t0,
      )
      .map((e) => e.task),
  );
  f.timeline = f.timeline.filter((e) => !fresh.has(e.task));
  f.snapshot.tasks = f.snapshot.tasks.filter((t) => !fresh.has(t.ID));
};
const prober = (f: DrillFacts, ok: number, failed: number) => {
  const b = f.run.proberBaseline;
  if (!b) throw new Error("no baseline");
  f.run.prober = { ...b, ok: b.ok + ok, fail: b.fail + failed, byAddress: {} };
};
const noOomSignals = (f: DrillFacts, exit: number, message: string) => {
  f.timeline = f.timeline.filter((e) => e.action !== "oom");
  for (const e of f.timeline)
    if (e.task === killed && e.exitCode !== undefined) {
      e.exitCode = exit;
      if (e.kind === "task") e.message = message;
    }
  f.run.params.killed = { OOMKilled: false, ExitCode: exit };
};

type Status = "pass" | "fail" | "error" | "pending";
const cases: Array<{ name: string; facts: DrillFacts; want: Partial<Record<string, Status>> }> = [
  {
    name: "recorded: killed at the lowered limit, replaced, the other replica served; your part pending",
    facts: base,
    want: { "limit-adjusted": "pending" },
  },
  {
    name: "you set the lowered limit + 64 MiB afterwards",
    facts: variant(base, (f) => learnerSets(f, lowered + 64 * MiB)),
    want: {},
  },
  {
    name: "you kept 256 MiB, set explicitly, and stop put back the same",
    facts: variant(base, (f) => {
      learnerSets(f, 256 * MiB);
      stopped(f);
    }),
    want: {},
  },
  {
    name: "the engine's oom event was missed; the container's state says OOMKilled",
    facts: variant(base, (f) => {
      f.timeline = f.timeline.filter((e) => e.action !== "oom");
    }),
    want: { "limit-adjusted": "pending" },
  },
  {
    name: "a few failed requests to the killed task before the swarm's DNS dropped it",
    facts: variant(base, (f) => prober(f, 150, 3)),
    want: { "limit-adjusted": "pending" },
  },
  {
    name: "your new limit still rolling out",
    facts: variant(base, (f) => learnerSets(f, 512 * MiB, "updating")),
    want: { "limit-adjusted": "pending" },
  },
  {
    name: "one replica: while its only task restarted, the prober's requests failed",
    facts: variant(base, (f) => {
      const mode = api(f).Spec.Mode?.Replicated;
      if (mode) mode.Replicas = 1;
      prober(f, 120, 41);
    }),
    want: { "kept-serving": "fail", "limit-adjusted": "pending" },
  },
  {
    name: "restart_policy condition none: the killed task is never replaced",
    facts: variant(base, (f) => {
      const tt = api(f).Spec.TaskTemplate;
      if (tt) tt.RestartPolicy = { Condition: "none" };
      noReplacement(f);
    }),
    want: { "task-replaced": "fail", "limit-adjusted": "pending" },
  },
  {
    name: "you removed the limit",
    facts: variant(base, (f) => learnerSets(f, null)),
    want: { "limit-adjusted": "fail" },
  },
  {
    name: "you set the limit the task was killed at",
    facts: variant(base, (f) => learnerSets(f, lowered)),
    want: { "limit-adjusted": "fail" },
  },
  {
    name: "Swarm rolled your new limit back",
    facts: variant(base, (f) => {
      learnerSets(f, 48 * MiB, "rollback_completed");
      const limits = api(f).Spec.TaskTemplate?.Resources?.Limits;
      if (limits) limits.MemoryBytes = lowered;
    }),
    want: { "limit-adjusted": "fail" },
  },
  {
    name: "stopped with no new limit set",
    facts: variant(base, stopped),
    want: { "limit-adjusted": "fail" },
  },
  {
    name: "the task died for another reason (exit 1, no OOM)",
    facts: variant(base, (f) => noOomSignals(f, 1, "task: non-zero exit (1)")),
    want: { "oom-kill-visible": "fail", "limit-adjusted": "pending" },
  },
  {
    name: "the limit did not hold: the consumer allocated three times it, unkilled",
    facts: variant(base, (f) => {
      f.timeline = f.timeline.filter((e) => e.task !== killed || e.kind !== "container");
      f.timeline = f.timeline.filter((e) => !(e.task === killed && e.state === "failed"));
      noReplacement(f);
      f.run.params.consumer = {
        allocatedMiB: Math.ceil((3 * lowered) / MiB),
        adj: "1000",
        done: true,
        error: null,
      };
      f.run.params.killed = { OOMKilled: false, ExitCode: 0 };
    }),
    want: { "oom-kill-visible": "fail", "task-replaced": "error", "limit-adjusted": "pending" },
  },
  {
    name: "only the consumer was OOM-killed (PID 1 could not be marked): can't tell",
    facts: variant(base, (f) => {
      f.timeline = f.timeline.filter(
        (e) => !(e.task === killed && (e.action === "die" || e.state === "failed")),
      );
      noReplacement(f);
      f.run.params.consumer = { allocatedMiB: 96, adj: "EACCES", done: false, error: null };
      f.run.params.killed = { OOMKilled: true, ExitCode: 0 };
    }),
    want: { "oom-kill-visible": "error", "task-replaced": "error", "limit-adjusted": "pending" },
  },
];

describe("resource-pressure verification", () => {
  it.each(cases)("$name", ({ facts, want }) => {
    const items = verifyPressure(facts);
    expect(items.map((i) => i.id)).toEqual([
      "oom-kill-visible",
      "task-replaced",
      "kept-serving",
      "limit-adjusted",
    ]);
    const got = Object.fromEntries(items.filter((i) => i.status !== "pass").map((i) => [i.id, i.status]));
    expect(got, items.map((i) => `${i.status} ${i.id}: ${i.summary}`).join("\n")).toEqual(want);
    for (const i of items) if (i.status === "pass") expect(i.evidence.length, i.id).toBeGreaterThan(0);
    for (const i of items) if (i.status === "error") expect(i.summary).toMatch(/^Can't tell, because /);
  });

  it("the recorded kill says exit 137 and OOMKilled, with the working set measured before", () => {
    const text = JSON.stringify(verifyPressure(base)[0]);
    expect(text).toMatch(/non-zero exit \(137\)/);
    expect(text).toMatch(/OOMKilled=true/);
    expect(text).toMatch(/working set/);
  });
});

describe("resource-pressure preconditions and limits", () => {
  const svcWith = (limits: { MemoryBytes?: number; NanoCPUs?: number } | undefined) => {
    const s = copy(base.snapshot);
    const tt = api({ ...base, snapshot: s }).Spec.TaskTemplate;
    if (tt) tt.Resources = limits ? { Limits: limits } : {};
    return s;
  };
  it.each<{
    name: string;
    limits: { MemoryBytes?: number; NanoCPUs?: number } | undefined;
    blocked: boolean;
  }>([
    { name: "the stack's 256 MiB limit", limits: { MemoryBytes: 256 * MiB, NanoCPUs: 5e8 }, blocked: false },
    { name: "a CPU limit only", limits: { NanoCPUs: 5e8 }, blocked: true },
    { name: "no resources at all", limits: undefined, blocked: true },
    { name: "a 64 MiB limit", limits: { MemoryBytes: 64 * MiB }, blocked: false },
  ])("$name", ({ limits, blocked }) => {
    const unmet = resourcePressure.preconditions(svcWith(limits), "reg-case", {});
    expect(unmet.length > 0).toBe(blocked);
    if (blocked) expect(unmet[0]).toMatch(/has no memory limit .* nothing to lower/);
  });

  it.each([
    { current: 256, reservation: 64, ws: 60, want: 160 },
    { current: 256, reservation: 200, ws: 60, want: 208 },
    { current: 128, reservation: 64, ws: 60, want: 128 },
    { current: 256, reservation: 0, ws: undefined, want: 128 },
    { current: 512, reservation: 0, ws: 10, want: 112 },
  ])("lowered limit of $current MiB (reservation $reservation, working set $ws): $want MiB", (c) => {
    expect(
      loweredLimit(c.current * MiB, c.reservation * MiB, c.ws === undefined ? undefined : c.ws * MiB),
    ).toBe(c.want * MiB);
  });

  it("reads the consumer's last total and whether PID 1 was marked", () => {
    expect(
      consumerOutput('{"pid1OomScoreAdj":"1000"}\n{"allocatedMiB":8}\n{"allocatedMiB":16}\n{"allo'),
    ).toEqual({
      allocatedMiB: 16,
      adj: "1000",
      done: false,
    });
    expect(consumerOutput('{"pid1OomScoreAdj":"EACCES"}\n{"allocatedMiB":24,"done":true}\n')).toEqual({
      allocatedMiB: 24,
      adj: "EACCES",
      done: true,
    });
  });
});
