import { describe, expect, it } from "vitest";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";
import { implies, nodeMeets, parsePlacementConstraint } from "../../parsers/swarm-constraints.ts";
import { clone, node, recordedCluster, service, tasksOfService } from "./fixtures/load.ts";
import { evaluatePlacement } from "./placement.ts";

const params = {
  stack: "reg-case",
  constraints: {
    "case-api": ["node.labels.workload == app"],
    worker: ["node.labels.workload == app"],
    redis: ["node.labels.stateful == true"],
    postgres: ["node.labels.stateful == true"],
  },
};
const solved = recordedCluster();

const placementOf = (c: ClusterFacts, name: string) => {
  const tt = service(c, name).Spec.TaskTemplate ?? {};
  service(c, name).Spec.TaskTemplate = tt;
  tt.Placement ??= {};
  return tt.Placement;
};
const constrain = (name: string, constraints: string[]) => (c: ClusterFacts) => {
  placementOf(c, name).Constraints = constraints;
};

type Variant = [name: string, edit: (c: ClusterFacts) => void, status: "pass" | "fail", summary: RegExp];
const variants: Variant[] = [
  [
    "the reference: node.labels.workload == app, node.labels.stateful == true",
    () => {},
    "pass",
    /Every constrained service runs only where/,
  ],
  [
    "written without spaces, as docker service create --constraint often is",
    constrain("reg-case_redis", ["node.labels.stateful==true"]),
    "pass",
    /Every constrained/,
  ],
  [
    "a label constraint plus node.role == worker (keep app tasks off the manager)",
    constrain("reg-case_case-api", ["node.role == worker", "node.labels.workload == app"]),
    "pass",
    /Every constrained/,
  ],
  [
    "a value in another case: stateful == True (Swarm compares values case-insensitively)",
    constrain("reg-case_postgres", ["node.labels.stateful == True"]),
    "pass",
    /Every constrained/,
  ],
  [
    "constraint plus a spread preference and max_replicas_per_node: 1",
    (c) => {
      const p = placementOf(c, "reg-case_case-api");
      p.Preferences = [{ Spread: { SpreadDescriptor: "node.labels.zone" } }];
      p.MaxReplicas = 1;
    },
    "pass",
    /Every constrained/,
  ],
  [
    "an extra node.hostname != manager-1 beside the label",
    constrain("reg-case_worker", ["node.labels.workload == app", "node.hostname != manager-1"]),
    "pass",
    /Every constrained/,
  ],
  [
    "a case-api task still starting (health check pending) on an allowed node counts as placed",
    (c) => {
      for (const t of tasksOfService(c, "reg-case_case-api")) t.Status = { ...t.Status, State: "starting" };
    },
    "pass",
    /Every constrained/,
  ],
  [
    "redis with no placement constraint (the data may land on any node)",
    constrain("reg-case_redis", []),
    "fail",
    /redis has no placement constraint; it needs node\.labels\.stateful == true/,
  ],
  [
    "the app limited by node.role == worker only: any worker, labelled or not",
    constrain("reg-case_case-api", ["node.role == worker"]),
    "fail",
    /case-api has node\.role == worker, which lets it run on any such node, labelled or not/,
  ],
  [
    "postgres pinned by hostname (node.hostname == worker-2)",
    constrain("reg-case_postgres", ["node.hostname == worker-2"]),
    "fail",
    /postgres pins it to worker-2 by hostname instead of node\.labels\.stateful == true/,
  ],
  [
    "only a placement preference, taken for a constraint",
    (c) => {
      const p = placementOf(c, "reg-case_redis");
      p.Constraints = [];
      p.Preferences = [{ Spread: { SpreadDescriptor: "node.labels.stateful" } }];
    },
    "fail",
    /redis has only placement preferences \(spread node\.labels\.stateful\), which spread tasks but restrict nothing/,
  ],
  [
    "the stateful label just removed from worker-2, before Swarm's constraint enforcer stops redis there",
    (c) => {
      const n = node(c, "worker-2");
      n.Spec = { ...n.Spec, Labels: { workload: "app" } };
    },
    "fail",
    /redis runs on worker-2, which does not meet node\.labels\.stateful == true \(a node label changed under it: Swarm's constraint enforcer stops such tasks/,
  ],
  [
    "a typo in the value (stateful == ture): no node meets it, tasks pending",
    (c) => {
      constrain("reg-case_redis", ["node.labels.stateful == ture"])(c);
      for (const t of tasksOfService(c, "reg-case_redis"))
        t.Status = {
          State: "pending",
          Err: "no suitable node (scheduling constraints not satisfied on 3 nodes)",
        };
    },
    "fail",
    /redis has node\.labels\.stateful == ture, which does not guarantee node\.labels\.stateful == true/,
  ],
  [
    "the right constraint, but no node was labelled (docker node update --label-add never run)",
    (c) => {
      for (const n of c.nodes) n.Spec = { ...n.Spec, Labels: {} };
      for (const name of ["reg-case_redis", "reg-case_postgres", "reg-case_case-api", "reg-case_worker"])
        for (const t of tasksOfService(c, name))
          t.Status = {
            State: "pending",
            Err: "no suitable node (scheduling constraints not satisfied on 3 nodes)",
          };
    },
    "fail",
    /case-api has no task placed on a node: no active node meets node\.labels\.workload == app/,
  ],
  [
    "recorded: the stateful label removed from worker-2, Swarm's constraint enforcer rejected redis and postgres there",
    (c) => {
      const rec = recordedCluster("placement/stateful-label-removed");
      Object.assign(c, rec);
    },
    "fail",
    /redis has no task placed on a node: no active node meets node\.labels\.stateful == true/,
  ],
];

describe("swarm.placement on recorded services, tasks and nodes", () => {
  it.each(variants)("%s", (_name, edit, status, summary) => {
    const c = clone(solved);
    edit(c);
    const r = evaluatePlacement(c, params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("parses and matches constraints as swarmkit does", () => {
    const c = (s: string) =>
      parsePlacementConstraint(s) as NonNullable<ReturnType<typeof parsePlacementConstraint>>;
    expect(c(" node.labels.Zone==eu ")).toEqual({ key: "node.labels.Zone", op: "==", value: "eu" });
    expect(c("NODE.ROLE != manager")).toEqual({ key: "node.role", op: "!=", value: "manager" });
    expect(parsePlacementConstraint("node.labels.x")).toBeUndefined();
    const w2 = node(solved, "worker-2");
    expect(nodeMeets(w2, c("node.labels.missing != x"))).toBe(true); // a missing label is ""
    expect(nodeMeets(w2, c("node.labels.stateful == TRUE"))).toBe(true);
    expect(nodeMeets(w2, c("node.labels.Stateful == true"))).toBe(false); // label names are case-sensitive
    expect(implies([c("node.labels.zone == a")], c("node.labels.zone != b"))).toBe(true);
    expect(implies([c("node.hostname == worker-2")], c("node.labels.stateful == true"))).toBe(false);
  });
});
