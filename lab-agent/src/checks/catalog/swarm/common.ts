import { z } from "zod";
import type { CheckOutcome, Evidence } from "../../check-result.ts";
import { fail } from "../../check-result.ts";
import type { SwarmNode, SwarmService, SwarmTask } from "../../collectors/collect-swarm.ts";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";

/** What the swarm checks of hours 15-16 share: parameters, sources, and how services are found. */
export const Stack = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/)
  .default("reg-case");
export const ServiceName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/);

export const INFO = "manager-1: GET /info";
export const NODES = "manager-1: GET /nodes";
export const SERVICES = "manager-1: GET /services?status=true";
export const TASKS = "manager-1: GET /tasks";
export const NETWORKS = "manager-1: GET /networks";
export const SECRETS = "manager-1: GET /secrets";

export const NAMESPACE = "com.docker.stack.namespace";

export function noSwarm(facts: Pick<ClusterFacts, "localState" | "isManager">): CheckOutcome | undefined {
  if (facts.localState === "active" && facts.isManager) return undefined;
  return fail(`manager-1 is not a swarm manager (swarm state ${facts.localState}).`, [
    {
      source: INFO,
      field: "Swarm.LocalNodeState",
      observed: facts.localState,
      expected: "active, as a manager",
    },
  ]);
}

export const nameOf = (s: SwarmService) => s.Spec.Name ?? s.ID;

export function stackServices(facts: ClusterFacts, stack: string): SwarmService[] {
  return facts.services.filter((s) => s.Spec.Labels?.[NAMESPACE] === stack);
}

/** `<stack>_<name>`, deployed by `docker stack deploy` (its namespace label says so). */
export function serviceIn(facts: ClusterFacts, stack: string, name: string): SwarmService | undefined {
  return facts.services.find(
    (s) => s.Spec.Name === `${stack}_${name}` && s.Spec.Labels?.[NAMESPACE] === stack,
  );
}

/**
 * Why a wanted service is not in the stack, when the swarm has something close: the same stack
 * deployed under another name (`docker stack deploy -c stack.yml myapp`), or a service made by
 * hand (`docker service create --name reg-case_case-api …`) that no stack owns.
 */
export function nearMisses(facts: ClusterFacts, stack: string, name: string): string[] {
  const out: string[] = [];
  for (const s of facts.services) {
    const n = s.Spec.Name ?? "";
    const ns = s.Spec.Labels?.[NAMESPACE];
    if (n === `${stack}_${name}` && ns !== stack)
      out.push(`${n} was made by hand (docker service create), not by docker stack deploy`);
    else if (ns && ns !== stack && n === `${ns}_${name}`) out.push(`${n} belongs to the stack "${ns}"`);
    else if (!ns && n === name) out.push(`${n} was made by hand (docker service create), outside any stack`);
  }
  return out;
}

/** The wanted services of the stack, or a failure that names what is missing and what is close. */
export function requireServices(
  facts: ClusterFacts,
  stack: string,
  names: readonly string[],
): { services: Map<string, SwarmService>; missing?: CheckOutcome } {
  const services = new Map<string, SwarmService>();
  const missing: string[] = [];
  for (const n of names) {
    const s = serviceIn(facts, stack, n);
    if (s) services.set(n, s);
    else missing.push(n);
  }
  if (missing.length === 0) return { services };
  const close = missing.flatMap((m) => nearMisses(facts, stack, m));
  const stacks = [...new Set(close.flatMap((c) => /the stack "([^"]+)"/.exec(c)?.[1] ?? []))];
  const why = close.length
    ? ` ${close.join("; ")}.${stacks.length ? ` Deploy it as ${stack} (docker stack deploy -c stack.yml ${stack}): the checks and Hour 17 look for ${stack}_<service>.` : ""}`
    : "";
  return {
    services,
    missing: fail(
      `The stack ${stack} has no service ${missing.map((m) => `${stack}_${m}`).join(", ")}.${why}`,
      [
        {
          source: SERVICES,
          field: "Spec.Name",
          observed: facts.services.map((s) => s.Spec.Name),
          expected: missing.map((n) => `${stack}_${n}`).join(", "),
        },
      ],
    ),
  };
}

export function nodeById(facts: ClusterFacts, id: string | undefined): SwarmNode | undefined {
  return facts.nodes.find((n) => n.ID === id);
}

export function hostname(facts: ClusterFacts, id: string | undefined): string {
  return nodeById(facts, id)?.Description?.Hostname ?? id ?? "?";
}

export function tasksOf(facts: ClusterFacts, svc: SwarmService): SwarmTask[] {
  return facts.tasks.filter((t) => t.ServiceID === svc.ID);
}

/** Tasks Swarm wants running now (older ones are kept as history with DesiredState shutdown). */
export function wantedTasks(facts: ClusterFacts, svc: SwarmService): SwarmTask[] {
  return tasksOf(facts, svc).filter((t) => t.DesiredState === "running");
}

export const nodeUp = (n: SwarmNode | undefined) => n?.Status?.State === "ready";

/** A task that runs, is meant to, and whose node the manager still hears from. */
export function isRunning(facts: ClusterFacts, t: SwarmTask): boolean {
  return t.DesiredState === "running" && t.Status?.State === "running" && nodeUp(nodeById(facts, t.NodeID));
}

export function evidenceOf(source: string, field: string, observed: unknown, expected?: string): Evidence {
  return { source, field, observed, ...(expected ? { expected } : {}) };
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
