import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import {
  type Constraint,
  implies,
  nodeMeets,
  parsePlacementConstraint,
  showConstraint,
} from "../../parsers/swarm-constraints.ts";
import {
  hostname,
  nodeById,
  nodeUp,
  noSwarm,
  requireServices,
  SERVICES,
  ServiceName,
  Stack,
  TASKS,
  wantedTasks,
} from "./common.ts";

const Wanted = z.string().refine((s) => parsePlacementConstraint(s) !== undefined, {
  message: "a constraint is key==value or key!=value, e.g. node.labels.workload == app",
});
const Params = z
  .object({
    stack: Stack,
    constraints: z.record(ServiceName, z.array(Wanted).min(1)).default({
      "case-api": ["node.labels.workload == app"],
      worker: ["node.labels.workload == app"],
      redis: ["node.labels.stateful == true"],
      postgres: ["node.labels.stateful == true"],
    }),
  })
  .strict();
type Params = z.infer<typeof Params>;

const PLACED = ["assigned", "accepted", "preparing", "ready", "starting", "running"];

/** Why constraints that do not imply the wanted ones fall short, in the learner's terms. */
function shortfall(have: Constraint[], prefs: string[], wanted: Constraint[]): string {
  const want = wanted.map(showConstraint).join(" and ");
  const host = have.find((c) => c.key === "node.hostname" && c.op === "==");
  if (host)
    return `pins it to ${host.value} by hostname instead of ${want} (a hostname breaks when the node is replaced; the label says why it goes there)`;
  const role = have.find((c) => c.key === "node.role");
  if (role)
    return `has ${showConstraint(role)}, which lets it run on any such node, labelled or not; it needs ${want}`;
  if (have.length === 0 && prefs.length)
    return `has only placement preferences (${prefs.join(", ")}), which spread tasks but restrict nothing; it needs the constraint ${want}`;
  if (have.length === 0) return `has no placement constraint; it needs ${want}`;
  return `has ${have.map(showConstraint).join(", ")}, which does not guarantee ${want}`;
}

export function evaluatePlacement(facts: ClusterFacts, p: Params): CheckOutcome {
  const found = requireServices(facts, p.stack, Object.keys(p.constraints));
  const none = noSwarm(facts) ?? found.missing;
  if (none) return none;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const [name, wantedText] of Object.entries(p.constraints)) {
    const svc = found.services.get(name);
    if (!svc) continue;
    const wanted = wantedText.map((w) => parsePlacementConstraint(w) as Constraint);
    const placement = svc.Spec.TaskTemplate?.Placement ?? {};
    const haveText = placement.Constraints ?? [];
    const have = haveText.flatMap((c) => parsePlacementConstraint(c) ?? []);
    const prefs = (placement.Preferences ?? []).map((x) => `spread ${x.Spread?.SpreadDescriptor ?? "?"}`);
    // Placed tasks: assigned to a node by the scheduler (running, or still starting there).
    const running = wantedTasks(facts, svc).filter(
      (t) => t.NodeID && PLACED.includes(t.Status?.State ?? "") && nodeUp(nodeById(facts, t.NodeID)),
    );
    evidence.push(
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "Spec.TaskTemplate.Placement",
        observed: {
          Constraints: haveText,
          ...(prefs.length ? { Preferences: prefs } : {}),
          ...(placement.MaxReplicas ? { MaxReplicas: placement.MaxReplicas } : {}),
        },
        expected: `constraints that imply ${wanted.map(showConstraint).join(" and ")}`,
      },
      {
        source: TASKS,
        field: `${svc.Spec.Name}: nodes of placed tasks (running or starting)`,
        observed: running.map((t) => hostname(facts, t.NodeID)),
        expected: "nodes that meet the wanted constraints",
      },
    );
    const missing = wanted.filter((w) => !implies(have, w));
    if (missing.length) {
      problems.push(`${name} ${shortfall(have, prefs, missing)}`);
      continue;
    }
    const eligible = facts.nodes.filter(
      (n) =>
        nodeUp(n) && (n.Spec?.Availability ?? "active") === "active" && have.every((c) => nodeMeets(n, c)),
    );
    const wrong = running.filter((t) => {
      const node = nodeById(facts, t.NodeID);
      return !node || !wanted.every((w) => nodeMeets(node, w));
    });
    if (wrong.length)
      problems.push(
        `${name} runs on ${[...new Set(wrong.map((t) => hostname(facts, t.NodeID)))].join(", ")}, which does not meet ${wanted.map(showConstraint).join(" and ")} (a node label changed under it: Swarm's constraint enforcer stops such tasks, and they wait for a node that qualifies)`,
      );
    else if (running.length === 0) {
      const err = wantedTasks(facts, svc).find((t) => t.Status?.Err)?.Status?.Err;
      problems.push(
        eligible.length === 0
          ? `${name} has no task placed on a node: no active node meets ${have.map(showConstraint).join(" and ")} (docker node update --label-add …)`
          : `${name} has no task placed on a node${err ? ` (${err})` : ""}`,
      );
    }
  }
  if (problems.length) return fail(`Placement: ${problems.join("; ")}.`, evidence);
  return pass(
    `Every constrained service runs only where its constraints allow, and they imply the wanted labels (${Object.keys(p.constraints).join(", ")}).`,
    evidence,
  );
}

export const placement = defineCheck({
  id: "swarm.placement",
  title: "Placement constraints on node labels",
  kind: "snapshot",
  watches: { objects: ["service", "node"] },
  params: Params,
  collect: (ctx) => collectCluster(ctx),
  evaluate: evaluatePlacement,
});
