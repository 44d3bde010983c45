import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, fail, pass } from "../../check-result.ts";
import type { SwarmNode } from "../../collectors/collect-swarm.ts";
import {
  type ClusterFacts,
  collectCluster,
  collectNodeSelfViews,
  type NodeSelfView,
} from "../../collectors/swarm-cluster.ts";
import { NODES, noSwarm } from "./common.ts";

const Role = z.enum(["manager", "worker"]);
const Params = z
  .object({
    /** Every lab node by hostname, with the role it must have. */
    nodes: z
      .record(z.string().regex(/^[a-z0-9-]+$/), Role)
      .default({ "manager-1": "manager", "worker-1": "worker", "worker-2": "worker" }),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface NodesFacts {
  cluster: Pick<ClusterFacts, "localState" | "isManager" | "nodes" | "clusterId">;
  /** What the engines of the nodes missing from the manager's list say about themselves. */
  selfViews: NodeSelfView[];
}

const hostOf = (n: SwarmNode) => n.Description?.Hostname ?? n.ID;

/** Names of expected nodes the manager does not list as ready (their own engines may say why). */
export function absentNodes(nodes: readonly SwarmNode[], p: Params): string[] {
  return Object.keys(p.nodes).filter(
    (h) => !nodes.some((n) => hostOf(n) === h && n.Status?.State === "ready"),
  );
}

function whyAbsent(host: string, entries: SwarmNode[], self: NodeSelfView | undefined, clusterId?: string) {
  const states = entries.map((n) => n.Status?.State ?? "?");
  if (states.includes("unknown")) return { unknown: true, text: `${host}'s state is unknown` };
  if (states.length) {
    const mine =
      self?.localState === "inactive"
        ? " and its engine is in no swarm (it left: docker swarm leave)"
        : self?.localState === "active" && self.clusterId && self.clusterId !== clusterId
          ? " and its engine is in another swarm"
          : "";
    return { text: `${host} is ${[...new Set(states)].join("/")}${mine}` };
  }
  if (self?.localState === "active" && self.clusterId && clusterId && self.clusterId !== clusterId)
    return {
      text: `${host} is not in manager-1's swarm: it is in a swarm of its own${self.isManager ? " (it ran docker swarm init)" : ""}`,
    };
  if (self?.localState === "pending") return { text: `${host} is still joining (swarm state pending)` };
  if (self?.localState === "inactive") return { text: `${host} has not joined (its engine is in no swarm)` };
  return { text: `${host} is not in manager-1's node list` };
}

export function evaluateSwarmNodes(facts: NodesFacts, p: Params): CheckOutcome {
  const { cluster } = facts;
  const none = noSwarm(cluster);
  if (none) return none;
  const evidence = [
    {
      source: NODES,
      field: "Description.Hostname / Spec.Role / Status.State / Spec.Availability",
      observed: cluster.nodes.map(
        (n) => `${hostOf(n)}: ${n.Spec?.Role}, ${n.Status?.State}, ${n.Spec?.Availability ?? "active"}`,
      ),
      expected: Object.entries(p.nodes)
        .map(([h, r]) => `${h}: ${r}, ready`)
        .join("; "),
    },
    ...facts.selfViews.map((v) => ({
      source: `${v.node}: GET /info`,
      field: "Swarm.LocalNodeState / Swarm.Cluster.ID",
      observed: v.error ?? `${v.localState}${v.clusterId ? `, cluster ${v.clusterId}` : ""}`,
      expected: `active, cluster ${cluster.clusterId ?? "of manager-1"}`,
    })),
  ];
  const problems: string[] = [];
  const unknown: string[] = [];
  const notes: string[] = [];
  for (const [host, role] of Object.entries(p.nodes)) {
    const entries = cluster.nodes.filter((n) => hostOf(n) === host);
    const ready = entries.filter((n) => n.Status?.State === "ready");
    if (ready.length === 0) {
      const why = whyAbsent(
        host,
        entries,
        facts.selfViews.find((v) => v.node === host),
        cluster.clusterId,
      );
      (why.unknown ? unknown : problems).push(why.text);
      continue;
    }
    if (!ready.some((n) => n.Spec?.Role === role))
      problems.push(
        `${host} is a ${ready[0]?.Spec?.Role} (wanted: ${role}${role === "worker" ? "; docker node demote" : "; docker node promote"} ${host})`,
      );
    const drained = ready.find((n) => n.Spec?.Availability && n.Spec.Availability !== "active");
    if (drained) notes.push(`${host} is ${drained.Spec?.Availability}: it takes no new tasks`);
  }
  const extraManagers = cluster.nodes.filter(
    (n) => n.Spec?.Role === "manager" && n.Status?.State === "ready" && !(hostOf(n) in p.nodes),
  );
  for (const n of extraManagers) problems.push(`${hostOf(n)} is an extra manager`);
  if (problems.length) return fail(`The swarm is not as wanted: ${problems.join("; ")}.`, evidence);
  if (unknown.length)
    return checkError(
      `Can't tell yet, because ${unknown.join(", ")}: the manager has not heard from it since it (re)started. Check again in a few seconds.`,
      evidence,
    );
  const managers = Object.values(p.nodes).filter((r) => r === "manager").length;
  const workers = Object.values(p.nodes).length - managers;
  return pass(
    `${managers} manager and ${workers} workers are Ready${notes.length ? ` (${notes.join("; ")})` : ""}.`,
    evidence,
  );
}

export const swarmNodes = defineCheck({
  id: "swarm.nodes",
  title: "Swarm of one manager and two workers",
  kind: "snapshot",
  watches: { objects: ["node"] },
  params: Params,
  async collect(ctx, p): Promise<NodesFacts> {
    const cluster = await collectCluster(ctx);
    if (noSwarm(cluster)) return { cluster, selfViews: [] };
    const absent = absentNodes(cluster.nodes, p).filter((h) => h !== "manager-1");
    return { cluster, selfViews: absent.length ? await collectNodeSelfViews(ctx, absent) : [] };
  },
  evaluate: evaluateSwarmNodes,
});
