import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copy } from "./drill-fixtures.ts";
import { type DrillFacts, DrillRun, type SwarmSnapshot, TimelineEvent } from "./drill-types.ts";
import { verifyDrain } from "./node-drain.ts";

// Recorded on a real lab: worker-1 drained with case-api at 2 replicas; everything moved to worker-2.
const dir = join(import.meta.dirname, "fixtures", "node-drain");
const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const base: DrillFacts = {
  run: DrillRun.parse(json("run.json")),
  timeline: readFileSync(join(dir, "timeline.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => TimelineEvent.parse(JSON.parse(l))),
  snapshot: {
    services: json("services.inspect.json"),
    tasks: json("tasks.json"),
    nodes: json("nodes.json"),
    secrets: [],
  },
};
const svc = (s: SwarmSnapshot, short: string) => s.services.find((x) => x.Spec.Name === `reg-case_${short}`);
const live = (s: SwarmSnapshot, short: string) =>
  s.tasks.filter((t) => t.ServiceID === svc(s, short)?.ID && t.DesiredState === "running");
const nodeId = (s: SwarmSnapshot, host: string) => s.nodes.find((n) => n.Description?.Hostname === host)?.ID;
const variant = (edit: (f: DrillFacts) => void) => {
  const f = copy(base);
  edit(f);
  return f;
};
const prober = (f: DrillFacts, ok: number, failed: number) => {
  const b = f.run.proberBaseline;
  if (!b) throw new Error("no baseline");
  f.run.prober = { ...b, ok: b.ok + ok, fail: b.fail + failed, byAddress: {} };
};

const cases: Array<{ name: string; facts: DrillFacts; fails: string[] }> = [
  { name: "recorded: worker-1 drained, everything on worker-2", facts: base, fails: [] },
  {
    name: "a couple of failed requests while a task moved",
    facts: variant((f) => prober(f, 120, 2)),
    fails: [],
  },
  {
    name: "three case-api replicas",
    facts: variant((f) => {
      const s = svc(f.snapshot, "case-api");
      if (s?.Spec.Mode?.Replicated) s.Spec.Mode.Replicated.Replicas = 3;
      const t = copy(live(f.snapshot, "case-api")[0]);
      if (t) f.snapshot.tasks.push({ ...t, ID: "third", Slot: 3 });
    }),
    fails: [],
  },
  {
    name: "the stateful node drained: postgres waits pending, as its placement says",
    facts: variant((f) => {
      f.run.params.node = "worker-2";
      for (const n of f.snapshot.nodes)
        if (n.Spec) n.Spec.Availability = n.Description?.Hostname === "worker-2" ? "drain" : "active";
      f.timeline.push({
        at: f.run.injectedAt ?? "",
        source: "manager-1",
        kind: "node",
        node: "worker-2",
        state: "drain/ready",
      });
      for (const t of f.snapshot.tasks)
        if (t.NodeID === nodeId(f.snapshot, "worker-2")) t.NodeID = nodeId(f.snapshot, "worker-1");
      for (const short of ["postgres", "redis"])
        for (const t of live(f.snapshot, short)) {
          t.NodeID = "";
          t.Status = {
            State: "pending",
            Err: "no suitable node (scheduling constraints not satisfied on 3 nodes)",
          };
        }
    }),
    fails: [],
  },
  {
    name: "one replica of case-api: the drain is an outage",
    facts: variant((f) => {
      const s = svc(f.snapshot, "case-api");
      if (s?.Spec.Mode?.Replicated) s.Spec.Mode.Replicated.Replicas = 1;
      f.snapshot.tasks = f.snapshot.tasks.filter((t) => t !== live(f.snapshot, "case-api")[1]);
      prober(f, 40, 35);
    }),
    fails: ["app-kept-serving"],
  },
  {
    name: "a task still runs on the drained node",
    facts: variant((f) => {
      const t = live(f.snapshot, "worker")[0];
      if (t) t.NodeID = nodeId(f.snapshot, "worker-1");
    }),
    fails: ["no-tasks-left"],
  },
  {
    name: "case-api did not get back to 2 replicas (no capacity left)",
    facts: variant((f) => {
      const t = live(f.snapshot, "case-api")[0];
      if (t) t.Status = { State: "pending", Err: "no suitable node (insufficient resources on 2 nodes)" };
    }),
    fails: ["replicas-restored"],
  },
  {
    name: "a third of the requests failed",
    facts: variant((f) => prober(f, 60, 30)),
    fails: ["app-kept-serving"],
  },
  {
    name: "postgres gone and not pending: nothing holds its data",
    facts: variant((f) => {
      for (const t of live(f.snapshot, "postgres")) t.DesiredState = "shutdown";
      const s = svc(f.snapshot, "postgres");
      if (s?.Spec.TaskTemplate?.Placement)
        s.Spec.TaskTemplate.Placement.Constraints = ["node.hostname == worker-1"];
    }),
    fails: ["stateful-reg-case_postgres"],
  },
];

describe("node-drain verification", () => {
  it.each(cases)("$name", ({ facts, fails }) => {
    const items = verifyDrain(facts);
    const failed = items.filter((i) => i.status === "fail").map((i) => i.id);
    expect(failed, items.map((i) => `${i.id}: ${i.status} ${i.summary}`).join("\n")).toEqual(fails);
    expect(
      items.some((i) => i.status === "error"),
      items.map((i) => i.summary).join("\n"),
    ).toBe(false);
  });
});
