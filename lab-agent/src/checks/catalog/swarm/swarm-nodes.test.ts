import { describe, expect, it } from "vitest";
import type { NodeSelfView } from "../../collectors/swarm-cluster.ts";
import { clone, node, recordedCluster } from "./fixtures/load.ts";
import { absentNodes, evaluateSwarmNodes, type NodesFacts } from "./swarm-nodes.ts";

const params = { nodes: { "manager-1": "manager", "worker-1": "worker", "worker-2": "worker" } } as const;
const solved = recordedCluster();

type Variant = [
  name: string,
  edit: (f: NodesFacts) => void,
  status: "pass" | "fail" | "error",
  summary: RegExp,
];

const self = (v: NodeSelfView) => (f: NodesFacts) => f.selfViews.push(v);

const variants: Variant[] = [
  [
    "the recorded lab: manager-1 leads, worker-1 and worker-2 joined",
    () => {},
    "pass",
    /1 manager and 2 workers are Ready/,
  ],
  [
    "manager-1 drained, as production managers often are (docker node update --availability drain)",
    (f) => {
      node(f.cluster, "manager-1").Spec = { ...node(f.cluster, "manager-1").Spec, Availability: "drain" };
    },
    "pass",
    /manager-1 is drain: it takes no new tasks/,
  ],
  [
    "worker-1 left and joined again: its old entry stays Down beside the new Ready one",
    (f) => {
      const old = clone(node(f.cluster, "worker-1"));
      f.cluster.nodes.push({
        ...old,
        ID: "oldworker1",
        Status: { State: "down", Message: "heartbeat failure" },
      });
    },
    "pass",
    /2 workers are Ready/,
  ],
  [
    "worker-2 paused for maintenance (still a member)",
    (f) => {
      const n = node(f.cluster, "worker-2");
      n.Spec = { ...n.Spec, Availability: "pause" };
    },
    "pass",
    /worker-2 is pause/,
  ],
  [
    "no swarm yet: manager-1's engine is inactive",
    (f) => {
      f.cluster.localState = "inactive";
      f.cluster.isManager = false;
      f.cluster.nodes = [];
    },
    "fail",
    /manager-1 is not a swarm manager \(swarm state inactive\)/,
  ],
  [
    "manager-1 joined worker-1's swarm as a worker (init run on the wrong node)",
    (f) => {
      f.cluster.isManager = false;
    },
    "fail",
    /manager-1 is not a swarm manager/,
  ],
  [
    "worker-2 removed from the node list (docker node rm --force) and never rejoined",
    (f) => {
      f.cluster.nodes = f.cluster.nodes.filter((n) => n.Description?.Hostname !== "worker-2");
      self({ node: "worker-2", localState: "active", clusterId: "recorded", isManager: false })(f);
    },
    "fail",
    /worker-2 is not in manager-1's node list/,
  ],
  [
    "worker-1 ran docker swarm leave: the manager shows it Down, its engine is in no swarm",
    (f) => {
      node(f.cluster, "worker-1").Status = { State: "down", Message: "heartbeat failure" };
      self({ node: "worker-1", localState: "inactive", isManager: false })(f);
    },
    "fail",
    /worker-1 is down and its engine is in no swarm/,
  ],
  [
    "worker-2 ran docker swarm init itself: a swarm of its own",
    (f) => {
      f.cluster.nodes = f.cluster.nodes.filter((n) => n.Description?.Hostname !== "worker-2");
      self({ node: "worker-2", localState: "active", clusterId: "other", isManager: true })(f);
    },
    "fail",
    /worker-2 is not in manager-1's swarm: it is in a swarm of its own \(it ran docker swarm init\)/,
  ],
  [
    "worker-1 joined with the manager token: a second manager (an even number gains no fault tolerance)",
    (f) => {
      const n = node(f.cluster, "worker-1");
      n.Spec = { ...n.Spec, Role: "manager" };
      n.ManagerStatus = { Leader: false, Reachability: "reachable" };
    },
    "fail",
    /worker-1 is a manager \(wanted: worker; docker node demote worker-1\)/,
  ],
  [
    "a one-node swarm: only manager-1, the workers never joined",
    (f) => {
      f.cluster.nodes = f.cluster.nodes.filter((n) => n.Description?.Hostname === "manager-1");
      self({ node: "worker-1", localState: "inactive" })(f);
      self({ node: "worker-2", localState: "inactive" })(f);
    },
    "fail",
    /worker-1 has not joined .*worker-2 has not joined/,
  ],
  [
    "right after manager-1 restarted: worker-2's state is unknown until its next heartbeat",
    (f) => {
      node(f.cluster, "worker-2").Status = { State: "unknown" };
    },
    "error",
    /Can't tell yet, because worker-2's state is unknown/,
  ],
];

describe("swarm.nodes on recorded node lists", () => {
  it.each(variants)("%s", (_name, edit, status, summary) => {
    const facts: NodesFacts = { cluster: clone(solved), selfViews: [] };
    edit(facts);
    const r = evaluateSwarmNodes(facts, params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    if (status !== "error") expect(r.evidence.length).toBeGreaterThan(0);
  });

  it("asks the engines of the missing nodes only (manager-1 is read anyway)", () => {
    const c = clone(solved);
    node(c, "worker-2").Status = { State: "down" };
    expect(absentNodes(c.nodes, params)).toEqual(["worker-2"]);
    expect(absentNodes(solved.nodes, params)).toEqual([]);
  });
});
