import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import {
  attachmentsOf,
  hostHasIpvs,
  type OverlayFacts,
  type ProbeTarget,
  probeSources,
  runOverlayProbes,
} from "../../probes/overlay-probe.ts";
import {
  hostname,
  isRunning,
  noSwarm,
  requireServices,
  ServiceName,
  Stack,
  TASKS,
  wantedTasks,
} from "./common.ts";

const Params = z
  .object({
    stack: Stack,
    from: ServiceName.default("case-api"),
    to: z
      .array(z.string().regex(/^[a-z0-9_-]+:\d{1,5}$/))
      .min(1)
      .default(["redis:6379", "postgres:5432"]),
  })
  .strict();
type Params = z.infer<typeof Params>;

const serviceOf = (target: string) => target.split(":")[0] as string;

/** The target's running tasks: node, and addresses on each network (by network id). */
function targetTasks(swarm: ClusterFacts, stack: string, service: string) {
  const svc = swarm.services.find((s) => s.Spec.Name === `${stack}_${service}`);
  if (!svc)
    return {
      mode: "vip",
      tasks: [] as Array<{ node: string; nodeId?: string; nets: ReturnType<typeof attachmentsOf> }>,
    };
  return {
    mode: svc.Spec.EndpointSpec?.Mode ?? "vip",
    tasks: wantedTasks(swarm, svc)
      .filter((t) => isRunning(swarm, t))
      .map((t) => ({
        node: hostname(swarm, t.NodeID),
        ...(t.NodeID ? { nodeId: t.NodeID } : {}),
        nets: attachmentsOf(t),
      })),
  };
}

type TargetTask = ReturnType<typeof targetTasks>["tasks"][number];

/** Whether any of the target's tasks is on a network the caller is on (by id, or by name for specs). */
const sharesNetwork = (
  tasks: readonly TargetTask[],
  isCallers: (net: { id: string; name: string }) => boolean,
) => tasks.some((t) => t.nets.some(isCallers));

export function evaluateOverlay(facts: OverlayFacts, p: Params): CheckOutcome {
  const { swarm } = facts;
  const found = requireServices(swarm, p.stack, [p.from, ...p.to.map(serviceOf)]);
  const none = noSwarm(swarm) ?? found.missing;
  if (none) return none;
  const evidence: Evidence[] = [];
  if (facts.runs.length === 0) {
    // No task to probe from (e.g. Swarm killed the api, whose health needs the very service it
    // cannot reach): its spec's networks still decide a target on no overlay network in common.
    const caller = swarm.services.find((s) => s.Spec.Name === `${p.stack}_${p.from}`);
    const callerNets = (caller?.Spec.TaskTemplate?.Networks ?? [])
      .map((n) => n.Target)
      .filter((t): t is string => Boolean(t));
    const specEvidence: Evidence[] = [
      {
        source: TASKS,
        field: `${p.stack}_${p.from}: tasks running or starting`,
        observed: 0,
        expected: "≥ 1",
      },
      {
        source: `manager-1: GET /services (${p.stack}_${p.from})`,
        field: "Spec.TaskTemplate.Networks (Target)",
        observed: callerNets,
      },
    ];
    const unreachable = callerNets.length
      ? p.to.map(serviceOf).filter((name) => {
          const { mode, tasks } = targetTasks(swarm, p.stack, name);
          specEvidence.push(targetEvidence(p, name, mode, tasks));
          return (
            tasks.length > 0 &&
            !sharesNetwork(tasks, (n) => callerNets.includes(n.id) || callerNets.includes(n.name))
          );
        })
      : [];
    if (unreachable.length)
      return fail(
        `${unreachable.map((n) => `${n} shares no overlay network with ${p.from}`).join("; ")} (by ${p.from}'s spec; it has no task running to probe from), so it cannot reach ${unreachable.length > 1 ? "them" : "it"}.`,
        specEvidence,
      );
    return checkError(
      `Can't tell, because ${p.stack}_${p.from} has no live container to probe from (no task running or starting): services-converged shows why.`,
      [
        {
          source: TASKS,
          field: `${p.stack}_${p.from}: tasks running or starting`,
          observed: 0,
          expected: "≥ 1",
        },
      ],
    );
  }
  const problems: string[] = [];
  const cantTell: string[] = [];
  let crossNode = 0;
  for (const run of facts.runs) {
    const ownNets = run.networks.filter((n) => n.driver === "overlay" && !n.ingress);
    evidence.push({
      source: TASKS,
      field: `${p.stack}_${p.from} task on ${run.fromNode} (${run.fromState}): NetworksAttachments`,
      observed: run.networks.map((n) => `${n.name} (${n.driver}${n.ingress ? ", ingress" : ""})`),
      expected: "an overlay network shared with the services it calls",
    });
    if (run.error) {
      // A probe that could not run still leaves what the specs alone decide: a target on no
      // overlay network in common cannot be reached by name, whatever the probe would have said.
      const unreachable = run.targets.filter((target) => {
        const { mode, tasks } = targetTasks(swarm, p.stack, serviceOf(target));
        evidence.push(targetEvidence(p, serviceOf(target), mode, tasks));
        return tasks.length > 0 && !sharesNetwork(tasks, (n) => ownNets.some((o) => o.id === n.id));
      });
      for (const target of unreachable)
        problems.push(
          `${serviceOf(target)} shares no overlay network with ${p.from} (${p.from} is on ${ownNets.map((n) => n.name).join(", ") || "none"}), so it cannot reach it`,
        );
      cantTell.push(`the probe in ${run.fromNode}'s ${p.from} task could not run (${run.error})`);
      continue;
    }
    evidence.push({
      source: `${run.fromNode}: POST /containers/{task}/exec (TCP connect by service name)`,
      field: run.targets.join(", "),
      observed: run.results.map((r) => describe(r)),
      expected: "every target answers",
    });
    for (const target of run.targets) {
      const r = run.results.find((x) => x.target === target) as ProbeTarget | undefined;
      const name = serviceOf(target);
      const { mode, tasks } = targetTasks(swarm, p.stack, name);
      const shared = sharesNetwork(tasks, (n) => ownNets.some((o) => o.id === n.id));
      evidence.push(targetEvidence(p, name, mode, tasks));
      if (!r) {
        cantTell.push(`the probe printed nothing for ${target}`);
        continue;
      }
      // Where the connection went: a task's own address (dnsrr, tasks.<name>) names its node.
      const reached = (address: string | undefined) =>
        tasks.find((t) => t.nets.some((n) => address !== undefined && n.addresses.includes(address)))?.node;
      if (r.ok) {
        const to =
          reached(r.address) ??
          (tasks.length && tasks.every((t) => t.node !== run.fromNode) ? tasks[0]?.node : undefined);
        if (to && to !== run.fromNode) crossNode++;
        continue;
      }
      if (tasks.length === 0) {
        problems.push(`${name} has no running task to answer (${r.detail})`);
        continue;
      }
      // Decidable from the specs alone: no overlay network in common, no way to reach it.
      if (!shared) {
        problems.push(
          `${name} shares no overlay network with ${p.from} (${p.from} is on ${ownNets.map((n) => n.name).join(", ") || "none"}), so it cannot reach it (${r.detail})`,
        );
        continue;
      }
      const viaTasks = r.tasks;
      if (mode === "vip" && !facts.ipvs) {
        // Without IPVS a virtual IP neither routes nor always resolves: only the tasks' own
        // addresses (tasks.<name>) say whether the overlay carries traffic.
        const to = viaTasks?.ok ? reached(viaTasks.address) : undefined;
        if (to && to !== run.fromNode) crossNode++;
        cantTell.push(
          `${name} has a virtual IP (endpoint_mode vip) and this host's kernel has no IPVS, so VIP connections cannot be tested here (${r.detail}); ${viaTasks?.ok ? `its task answered directly at tasks.${name} (${viaTasks.address}${to ? ` on ${to}` : ""})` : `its task's own address did not answer either (${viaTasks?.detail ?? "not tried"})`}. Give it endpoint_mode: dnsrr`,
        );
        continue;
      }
      if (typeof r.addresses === "string" || r.addresses.length === 0) {
        problems.push(
          `${name} does not resolve from ${p.from} on ${run.fromNode} (${typeof r.addresses === "string" ? r.addresses : "no address"})`,
        );
        continue;
      }
      problems.push(
        `from ${run.fromNode}, ${target} did not answer by name (${r.detail}${r.detail === "timeout" ? ": traffic between nodes is not getting through the overlay (VXLAN, UDP 4789)" : r.detail === "ECONNREFUSED" ? ": nothing listens on that port at the address the name gives" : ""})`,
      );
    }
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  if (cantTell.length) return checkError(`Can't tell, because ${cantTell.join("; ")}.`, evidence);
  if (crossNode === 0) {
    const nodes = [...new Set(facts.runs.map((r) => r.fromNode))].join(", ");
    return checkError(
      `Can't tell, because ${p.from} and ${p.to.map(serviceOf).join(", ")} all run on ${nodes}: on one node an overlay proves nothing. Let the placement spread them over nodes, then check again.`,
      evidence,
    );
  }
  return pass(
    `${p.from} reached ${p.to.join(", ")} by name over the overlay (${crossNode} of them on another node).`,
    evidence,
  );
}

function targetEvidence(
  p: Params,
  name: string,
  mode: string,
  tasks: ReturnType<typeof targetTasks>["tasks"],
): Evidence {
  return {
    source: TASKS,
    field: `${p.stack}_${name} (endpoint mode ${mode}): running tasks`,
    observed: tasks.map(
      (t) =>
        `${t.node}: ${t.nets
          .filter((n) => !n.ingress)
          .map((n) => `${n.name} ${n.addresses.join(",")}`)
          .join("; ")}`,
    ),
    expected: `on an overlay network that ${p.from} is on too`,
  };
}

function describe(r: ProbeTarget): string {
  const addrs = typeof r.addresses === "string" ? r.addresses : r.addresses.join(",");
  const head = `${r.target} → ${addrs || "no address"}: ${r.ok ? `ok ${r.address ?? ""}` : r.detail}`;
  if (!r.tasks) return head;
  const t = r.tasks;
  const taddrs = typeof t.addresses === "string" ? t.addresses : t.addresses.join(",");
  return `${head}; tasks.${serviceOf(r.target)} → ${taddrs}: ${t.ok ? `ok ${t.address ?? ""}` : t.detail}`;
}

export const overlay = defineCheck({
  id: "swarm.overlay",
  title: "Services on different nodes reach each other by name over an overlay",
  kind: "probe",
  watches: { objects: ["service", "network", "node"] },
  params: Params,
  async collect(ctx, p): Promise<OverlayFacts> {
    const swarm = await collectCluster(ctx);
    const ipvs = hostHasIpvs();
    const from = swarm.services.find((s) => s.Spec.Name === `${p.stack}_${p.from}`);
    if (noSwarm(swarm) || !from) return { swarm, runs: [], ipvs };
    const targets = p.to.map((target) => ({
      target,
      nodes: targetTasks(swarm, p.stack, serviceOf(target)).tasks.flatMap((t) =>
        t.nodeId ? [t.nodeId] : [],
      ),
    }));
    return { swarm, runs: await runOverlayProbes(ctx, swarm, probeSources(swarm, from), targets), ipvs };
  },
  evaluate: evaluateOverlay,
});
