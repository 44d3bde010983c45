import type Docker from "dockerode";
import { z } from "zod";
import { containerName } from "../../../lab/lab-names.ts";
import type { CheckContext } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import { CHECK_LABEL, execArgv, inspectContainer, readFileFrom } from "../../engine-reads.ts";
import { hostname, noSwarm, requireServices, ServiceName, Stack } from "../swarm/common.ts";
import { type BenchContainer, type BenchId, benchVerdict, benchWarns } from "./docker-bench.ts";

/**
 * What Hour 18 reviews: the running containers of the app, wherever the learner started them (the
 * stack's tasks on the swarm nodes, Compose or `docker run` on laptop), each read from the engine
 * that runs it, and each node's daemon options. docker-bench-security runs per host on every
 * running container; the checks run its logic on the same containers (docker-bench.ts).
 */
export const HardeningParams = z
  .object({
    stack: Stack,
    services: z.array(ServiceName).min(1).default(["case-api", "worker"]),
    /** Containers on laptop that run this image (any tag or digest) are the app's too. */
    image: z.string().min(1).default("registry:5000/reg-case-platform"),
  })
  .strict();
export type HardeningParams = z.infer<typeof HardeningParams>;

export type Form = "stack" | "compose" | "run";

/** `GET /containers/{id}/json`, the parts the hardening checks read. */
export interface ContainerInspect extends BenchContainer {
  Id: string;
  Name?: string;
  Created?: string;
  State?: { Running?: boolean; Pid?: number; StartedAt?: string };
  Config?: { User?: string; Image?: string; Env?: string[]; Labels?: Record<string, string> };
  HostConfig?: BenchContainer["HostConfig"] & {
    CapDrop?: string[] | null;
    Tmpfs?: Record<string, string> | null;
    Binds?: string[] | null;
    UTSMode?: string;
  };
}

/** One reviewed container: where it runs, how it was started, and what its node says about it. */
export interface Reviewed {
  node: string;
  form: Form;
  /** The stack or Compose service it belongs to ("" for `docker run`). */
  service: string;
  inspect: ContainerInspect;
  /** The container's own /etc/passwd and /etc/group (GET /containers/{id}/archive). */
  passwd: string | null;
  group: string | null;
  /** /proc/<pid>/status of its PID 1, as the node's kernel reports it (null when not read). */
  procStatus: string | null;
  /** Mount sources with symlinks resolved on the node (`readlink -f`), and what kind of file each is. */
  sources: Record<string, { resolved: string; kind: string }>;
  /** Named volumes' driver options (`GET /volumes/{name}`), e.g. a local volume bound to /var/run. */
  volumes: Record<string, { Driver?: string; Options?: Record<string, string> | null }>;
}

/** A node's daemon: what it enforces (`GET /info` SecurityOptions) and what its files say. */
export interface NodeDaemon {
  node: string;
  securityOptions: string[];
  daemonJson: string | null;
  commandLine: string | null;
  error?: string;
}

export interface HardeningFacts {
  cluster: Pick<ClusterFacts, "localState" | "isManager" | "nodes" | "services" | "tasks">;
  containers: Reviewed[];
  daemons: NodeDaemon[];
  /** Containers of running tasks the checker could not read, with why. */
  unread: string[];
}

export const SOURCE = (r: Pick<Reviewed, "node">) => `${r.node}: GET /containers/{id}/json`;

export function nameOf(r: Pick<Reviewed, "inspect">): string {
  return (r.inspect.Name ?? r.inspect.Id.slice(0, 12)).replace(/^\//, "");
}

/** `worker-1: reg-case_worker.1.x7 (stack reg-case_worker)`. */
export function labelOf(r: Reviewed): string {
  const how =
    r.form === "stack" ? `stack ${r.service}` : r.form === "compose" ? `compose ${r.service}` : "docker run";
  return `${r.node}: ${nameOf(r)} (${how})`;
}

// ---- collecting ---------------------------------------------------------------------------

async function hostExec(ctx: CheckContext, node: string, argv: string[]) {
  const c = ctx.lab.host.getContainer(containerName(ctx.lab.lab, node as "laptop"));
  return execArgv(c, argv, 10_000);
}

async function readDaemon(ctx: CheckContext, node: string): Promise<NodeDaemon> {
  try {
    const engine = await ctx.lab.engine(node as "laptop");
    const info = (await engine.info()) as { SecurityOptions?: string[] };
    const host = ctx.lab.host.getContainer(containerName(ctx.lab.lab, node as "laptop"));
    const [daemonJson, top] = await Promise.all([
      readFileFrom(host, "/etc/docker/daemon.json"),
      host.top({ ps_args: "-o pid,args" }) as Promise<{ Titles: string[]; Processes: string[][] }>,
    ]);
    const args = top.Processes.map((p) => p.slice(1).join(" ")).find((a) => /^(\S*\/)?dockerd(\s|$)/.test(a));
    return { node, securityOptions: info.SecurityOptions ?? [], daemonJson, commandLine: args ?? null };
  } catch (err) {
    return { node, securityOptions: [], daemonJson: null, commandLine: null, error: (err as Error).message };
  }
}

async function readContainer(
  ctx: CheckContext,
  engine: Docker,
  node: string,
  id: string,
  form: Form,
  service: string,
): Promise<Reviewed | string> {
  const inspect = (await inspectContainer(engine, id)) as unknown as ContainerInspect | undefined;
  if (!inspect) return `${node}: container ${id.slice(0, 12)} is gone`;
  const c = engine.getContainer(id);
  const [passwd, group] = await Promise.all([
    readFileFrom(c, "/etc/passwd").catch(() => null),
    readFileFrom(c, "/etc/group").catch(() => null),
  ]);
  const pid = inspect.State?.Pid ?? 0;
  const status = pid > 0 ? await hostExec(ctx, node, ["cat", `/proc/${pid}/status`]).catch(() => null) : null;
  const paths = [
    ...new Set((inspect.Mounts ?? []).flatMap((m) => (m.Type === "bind" && m.Source ? [m.Source] : []))),
  ];
  const sources: Reviewed["sources"] = {};
  if (paths.length) {
    const out = await hostExec(ctx, node, [
      "sh",
      "-c",
      'for p in "$@"; do r=$(readlink -f "$p"); printf "%s\\t%s\\t%s\\n" "$p" "$r" "$(stat -L -c %F "$p" 2>/dev/null)"; done',
      "sh",
      ...paths,
    ]).catch(() => null);
    for (const line of out?.stdout.split("\n") ?? []) {
      const [p, resolved, kind] = line.split("\t");
      if (p) sources[p] = { resolved: resolved || p, kind: kind ?? "" };
    }
  }
  const volumes: Reviewed["volumes"] = {};
  for (const m of inspect.Mounts ?? []) {
    if (m.Type !== "volume" || !m.Name) continue;
    const v = (await engine
      .getVolume(m.Name)
      .inspect()
      .catch(() => undefined)) as { Driver?: string; Options?: Record<string, string> | null } | undefined;
    if (v) volumes[m.Name] = { Driver: v.Driver, Options: v.Options ?? null };
  }
  return {
    node,
    form,
    service,
    inspect,
    passwd,
    group,
    procStatus: status && status.code === 0 ? status.stdout : null,
    sources,
    volumes,
  };
}

/** `registry:5000/app:1.0@sha256:…` → `registry:5000/app` (a port is not a tag). */
export function repository(ref: string): string {
  return ref.replace(/@sha256:[0-9a-f]+$/, "").replace(/:[^/:]+$/, "");
}

/** The stack's running task containers (from each task's own node) and the app's containers on laptop. */
export function collectHardening(ctx: CheckContext, p: HardeningParams): Promise<HardeningFacts> {
  return ctx.memo(`hardening:${JSON.stringify(p)}`, async () => {
    const cluster = await collectCluster(ctx);
    const containers: Reviewed[] = [];
    const unread: string[] = [];
    const found = requireServices(cluster, p.stack, p.services);
    const reads: Array<Promise<Reviewed | string>> = [];
    for (const [name, svc] of found.services) {
      for (const t of cluster.tasks) {
        if (t.ServiceID !== svc.ID || t.DesiredState !== "running" || t.Status?.State !== "running") continue;
        const node = hostname(cluster, t.NodeID);
        const id = t.Status?.ContainerStatus?.ContainerID;
        if (!id) continue;
        reads.push(
          ctx.lab
            .engine(node as "worker-1")
            .then((engine) => readContainer(ctx, engine, node, id, "stack", `${p.stack}_${name}`))
            .catch((err) => `${node}: ${(err as Error).message}`),
        );
      }
    }
    const laptop = await ctx.lab.engine("laptop");
    const running = (await laptop.listContainers()) as Array<{
      Id: string;
      Image: string;
      Labels: Record<string, string>;
    }>;
    const repo = repository(p.image);
    for (const c of running) {
      if (c.Labels?.[CHECK_LABEL]) continue;
      const composeService = c.Labels?.["com.docker.compose.service"];
      if (repository(c.Image) !== repo && !(composeService && p.services.includes(composeService))) continue;
      reads.push(
        readContainer(ctx, laptop, "laptop", c.Id, composeService ? "compose" : "run", composeService ?? ""),
      );
    }
    for (const r of await Promise.all(reads)) {
      if (typeof r === "string") unread.push(r);
      else containers.push(r);
    }
    const nodes = [...new Set(["laptop", ...cluster.nodes.map((n) => n.Description?.Hostname ?? "")])].filter(
      Boolean,
    );
    const daemons = await Promise.all(nodes.map((n) => readDaemon(ctx, n)));
    containers.sort((a, b) => labelOf(a).localeCompare(labelOf(b)));
    return {
      cluster: {
        localState: cluster.localState,
        isManager: cluster.isManager,
        nodes: cluster.nodes,
        services: cluster.services,
        tasks: cluster.tasks,
      },
      containers,
      daemons,
      unread,
    };
  });
}

// ---- judging ------------------------------------------------------------------------------

/** One container's answer: a problem (it fails) or none, and what was observed. */
export interface Judged {
  problem?: string;
  observed: unknown;
}

/** Why docker-bench's verdict on a container differs from ours, when it does for a known reason. */
export type BenchReason = (r: Reviewed, oursFails: boolean, benchWarns: boolean) => string | undefined;

export interface ReviewSpec {
  what: string;
  field: string;
  expected: string;
  judge(r: Reviewed, facts: HardeningFacts): Judged;
  /** docker-bench ids this check answers too, each with the reasons it may disagree. */
  bench: Array<{ id: Exclude<BenchId, "5.26">; reason: BenchReason }>;
  passSummary(containers: Reviewed[]): string;
}

/** The stack must be there with something running; otherwise a failure that says what is missing. */
export function requireTargets(facts: HardeningFacts, p: HardeningParams): CheckOutcome | undefined {
  const none = noSwarm(facts.cluster);
  if (none) return none;
  const found = requireServices(facts.cluster as ClusterFacts, p.stack, p.services);
  if (found.missing) return found.missing;
  const idle = p.services.filter((s) => !facts.containers.some((c) => c.service === `${p.stack}_${s}`));
  if (idle.length) {
    return fail(
      `No running task of ${idle.map((s) => `${p.stack}_${s}`).join(", ")} to review${facts.unread.length ? ` (${facts.unread.join("; ")})` : ""}.`,
      [
        {
          source: "manager-1: GET /tasks",
          field: "running tasks",
          observed: facts.containers.map(labelOf),
          expected: `a running task of each of ${p.services.join(", ")}`,
        },
      ],
    );
  }
  return undefined;
}

/** docker-bench's verdict for an id on the same containers (per node, as it runs), compared with ours. */
export function benchEvidence(
  id: Exclude<BenchId, "5.26">,
  containers: Reviewed[],
  ours: Map<Reviewed, boolean>,
  reason: BenchReason,
): { evidence: Evidence; undocumented: string[] } {
  const byNode = new Map<string, Reviewed[]>();
  for (const c of containers) byNode.set(c.node, [...(byNode.get(c.node) ?? []), c]);
  const perNode = [...byNode].map(([node, cs]) => ({
    node,
    verdict: benchVerdict(
      id,
      cs.map((c) => ({ name: nameOf(c), inspect: c.inspect })),
    ),
  }));
  const differences: string[] = [];
  const undocumented: string[] = [];
  for (const c of containers) {
    const bench = benchWarns(id, c.inspect);
    const mine = ours.get(c) ?? false;
    if (bench === mine) continue;
    const why = reason(c, mine, bench);
    if (why) differences.push(`${nameOf(c)}: ${why}`);
    else {
      undocumented.push(nameOf(c));
      differences.push(
        `${nameOf(c)}: docker-bench ${bench ? "warns" : "passes"}, we ${mine ? "fail" : "pass"}`,
      );
    }
  }
  const result = perNode.some((n) => n.verdict.result === "WARN") ? "WARN" : "PASS";
  return {
    evidence: {
      source: `docker-bench-security ${id} (its shell test, run on the same containers)`,
      field: `docker-bench ${id}`,
      observed: {
        result,
        perNode: Object.fromEntries(
          perNode.map((n) => [
            n.node,
            `${n.verdict.result}${n.verdict.items.length ? ` ${n.verdict.items.join(" ")}` : ""}`,
          ]),
        ),
        agrees: differences.length === 0,
        ...(differences.length ? { differs: differences } : {}),
      },
    },
    undocumented,
  };
}

/** Runs a spec over every reviewed container: one evidence line each, docker-bench's verdicts beside. */
export function review(facts: HardeningFacts, p: HardeningParams, spec: ReviewSpec): CheckOutcome {
  const missing = requireTargets(facts, p);
  if (missing) return missing;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  const ours = new Map<Reviewed, boolean>();
  for (const r of facts.containers) {
    const j = spec.judge(r, facts);
    ours.set(r, Boolean(j.problem));
    if (j.problem) problems.push(`${labelOf(r)}: ${j.problem}`);
    evidence.push({
      source: SOURCE(r),
      field: `${labelOf(r)} ${spec.field}`,
      observed: j.observed,
      expected: spec.expected,
    });
  }
  for (const b of spec.bench) evidence.push(benchEvidence(b.id, facts.containers, ours, b.reason).evidence);
  if (problems.length) return fail(`${spec.what}: ${problems.join("; ")}.`, evidence);
  return pass(spec.passSummary(facts.containers), evidence);
}

export const count = (cs: readonly unknown[]) => `${cs.length} container${cs.length === 1 ? "" : "s"}`;
