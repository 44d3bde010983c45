import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import { nodeMeets, parsePlacementConstraint } from "../../parsers/swarm-constraints.ts";
import { nodeUp, noSwarm, requireServices, SERVICES, ServiceName, Stack } from "./common.ts";

const Params = z
  .object({ stack: Stack, services: z.array(ServiceName).min(1).default(["case-api", "worker"]) })
  .strict();
type Params = z.infer<typeof Params>;

/** Docker refuses a memory limit below 6 MiB ("Minimum memory limit allowed is 6MB"). */
export const MIN_MEMORY_LIMIT = 6 * 1024 * 1024;

export function showBytes(b: number | undefined): string {
  if (!b) return "none";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  for (let i = units.length - 1; i >= 0; i--) {
    const v = b / 1024 ** i;
    if (v >= 1 || i === 0) return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
  }
  return `${b} B`;
}

export const showCpus = (n: number | undefined) => (n ? `${n / 1e9} CPU` : "none");

export function evaluateResources(facts: ClusterFacts, p: Params): CheckOutcome {
  const found = requireServices(facts, p.stack, p.services);
  const none = noSwarm(facts) ?? found.missing;
  if (none) return none;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const name of p.services) {
    const svc = found.services.get(name);
    if (!svc) continue;
    const r = svc.Spec.TaskTemplate?.Resources ?? {};
    const lim = r.Limits ?? {};
    const res = r.Reservations ?? {};
    evidence.push({
      source: `${SERVICES} ${svc.Spec.Name}`,
      field: "Spec.TaskTemplate.Resources",
      observed: {
        Limits: { cpus: showCpus(lim.NanoCPUs), memory: showBytes(lim.MemoryBytes) },
        Reservations: { cpus: showCpus(res.NanoCPUs), memory: showBytes(res.MemoryBytes) },
        raw: { Limits: lim, Reservations: res },
      },
      expected: "reservations and limits of CPU and memory, reservation ≤ limit, that a node can meet",
    });
    const lacking = [
      lim.NanoCPUs ? "" : "a CPU limit",
      lim.MemoryBytes ? "" : "a memory limit",
      res.NanoCPUs ? "" : "a CPU reservation",
      res.MemoryBytes ? "" : "a memory reservation",
    ].filter(Boolean);
    if (lacking.length === 4) {
      problems.push(`${name} reserves and limits nothing (no deploy.resources)`);
      continue;
    }
    if (lacking.length) {
      problems.push(`${name} lacks ${lacking.join(", ")}`);
      continue;
    }
    const limMem = lim.MemoryBytes as number;
    const resMem = res.MemoryBytes as number;
    if (limMem < MIN_MEMORY_LIMIT || resMem < 1024 * 1024) {
      const small = limMem < MIN_MEMORY_LIMIT ? limMem : resMem;
      problems.push(
        `${name}'s memory ${limMem < MIN_MEMORY_LIMIT ? "limit" : "reservation"} is ${showBytes(small)}: a number without a unit is bytes (write e.g. 256M)${limMem < MIN_MEMORY_LIMIT ? ", and Docker refuses a limit below 6 MiB" : ""}`,
      );
      continue;
    }
    if ((res.NanoCPUs as number) > (lim.NanoCPUs as number) || resMem > limMem) {
      problems.push(
        `${name} reserves more than its limit (${showCpus(res.NanoCPUs)}/${showBytes(resMem)} reserved, ${showCpus(lim.NanoCPUs)}/${showBytes(limMem)} limit)`,
      );
      continue;
    }
    // Nodes the service may use (its constraints), and whether one of them can give it what it asks.
    const constraints = (svc.Spec.TaskTemplate?.Placement?.Constraints ?? []).flatMap(
      (c) => parsePlacementConstraint(c) ?? [],
    );
    const nodes = facts.nodes.filter((n) => nodeUp(n) && constraints.every((c) => nodeMeets(n, c)));
    const sized = nodes.filter(
      (n) => n.Description?.Resources?.NanoCPUs && n.Description.Resources.MemoryBytes,
    );
    if (sized.length === 0) continue;
    const cpus = Math.max(...sized.map((n) => n.Description?.Resources?.NanoCPUs ?? 0));
    const mem = Math.max(...sized.map((n) => n.Description?.Resources?.MemoryBytes ?? 0));
    if ((res.NanoCPUs as number) > cpus || resMem > mem)
      problems.push(
        `${name} reserves ${showCpus(res.NanoCPUs)}/${showBytes(resMem)}, more than any node it may use has (${showCpus(cpus)}/${showBytes(mem)}): its tasks stay pending`,
      );
    else if ((lim.NanoCPUs as number) > cpus)
      problems.push(
        `${name}'s CPU limit ${showCpus(lim.NanoCPUs)} is above the ${showCpus(cpus)} its nodes have: Docker refuses to start the task`,
      );
  }
  if (problems.length) return fail(`Resources: ${problems.join("; ")}.`, evidence);
  return pass(
    `${p.services.join(", ")} reserve and limit CPU and memory (reservation ≤ limit ≤ node).`,
    evidence,
  );
}

export const resources = defineCheck({
  id: "swarm.resources",
  title: "Reservations and limits set",
  kind: "snapshot",
  watches: { objects: ["service", "node"] },
  params: Params,
  collect: (ctx) => collectCluster(ctx),
  evaluate: evaluateResources,
});
