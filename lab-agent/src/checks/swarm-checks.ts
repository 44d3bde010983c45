import { existsSync } from "node:fs";
import { join, normalize } from "node:path";
import { z } from "zod";
import { containerName, type EngineRole } from "../lab/lab-names.ts";
import { defineCheck } from "./check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "./check-result.ts";
import {
  collectSwarm,
  hostnameOf,
  runningTasks,
  type SwarmFacts,
  type SwarmService,
  serviceNamed,
} from "./collect-swarm.ts";
import { execArgv } from "./engine-reads.ts";
import type { LabAccess } from "./lab-access.ts";
import { isPinnedByDigest, parseConstraint } from "./spec-parsers.ts";

const Stack = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]*$/)
  .default("reg-case");
const ServiceName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/);
const NODES = "manager-1: GET /nodes";
const SERVICES = "manager-1: GET /services?status=true";
const TASKS = "manager-1: GET /tasks";

function noSwarm(facts: SwarmFacts): CheckOutcome | undefined {
  if (facts.localState === "active" && facts.isManager) return undefined;
  return fail(`manager-1 is not a swarm manager (swarm state ${facts.localState}).`, [
    {
      source: "manager-1: GET /info",
      field: "Swarm.LocalNodeState",
      observed: facts.localState,
      expected: "active, as a manager",
    },
  ]);
}

function missingServices(
  facts: SwarmFacts,
  stack: string,
  names: readonly string[],
): CheckOutcome | undefined {
  const missing = names.filter((n) => !serviceNamed(facts, stack, n));
  if (missing.length === 0) return undefined;
  return fail(`The stack ${stack} has no service ${missing.map((m) => `${stack}_${m}`).join(", ")}.`, [
    {
      source: SERVICES,
      field: "Spec.Name",
      observed: facts.services.map((s) => s.Spec.Name),
      expected: names.map((n) => `${stack}_${n}`).join(", "),
    },
  ]);
}

// ---- swarm-initialized --------------------------------------------------------------------

export function evaluateSwarmNodes(
  facts: SwarmFacts,
  p: { stack: string; managers: number; workers: number },
): CheckOutcome {
  const none = noSwarm(facts);
  if (none) return none;
  const ready = facts.nodes.filter((n) => n.Status?.State === "ready");
  const managers = ready.filter((n) => n.Spec?.Role === "manager");
  const workers = ready.filter((n) => n.Spec?.Role === "worker");
  const evidence: Evidence[] = [
    {
      source: NODES,
      field: "Description.Hostname / Spec.Role / Status.State",
      observed: facts.nodes.map((n) => `${n.Description?.Hostname}: ${n.Spec?.Role}, ${n.Status?.State}`),
      expected: `${p.managers} manager and ${p.workers} workers, all ready`,
    },
  ];
  if (managers.length < p.managers || workers.length < p.workers) {
    return fail(
      `The swarm has ${managers.length} ready manager(s) and ${workers.length} ready worker(s).`,
      evidence,
    );
  }
  return pass(`${managers.length} manager and ${workers.length} workers are Ready.`, evidence);
}

export const swarmNodes = defineCheck({
  id: "swarm.nodes",
  title: "Swarm of one manager and two workers",
  kind: "snapshot",
  watches: { objects: ["node"] },
  params: z
    .object({
      stack: Stack,
      managers: z.number().int().min(1).default(1),
      workers: z.number().int().min(0).default(2),
    })
    .strict(),
  collect: (ctx, p) => collectSwarm(ctx, p.stack),
  evaluate: evaluateSwarmNodes,
});

// ---- stack-deployed -----------------------------------------------------------------------

interface StackFile {
  path: string;
  services?: string[];
  error?: string;
}

export function evaluateStackDeployed(
  facts: SwarmFacts,
  file: StackFile,
  p: { stack: string; services: string[] },
): CheckOutcome {
  const none = noSwarm(facts);
  if (none) return none;
  const evidence: Evidence[] = [
    {
      source: `laptop: docker compose --file ${file.path} config`,
      field: "services",
      observed: file.services ?? file.error,
      expected: `declares ${p.services.join(", ")}`,
    },
  ];
  if (!file.services) return fail(`${file.path}: ${file.error}.`, evidence);
  const notInFile = p.services.filter((s) => !file.services?.includes(s));
  if (notInFile.length) return fail(`${file.path} does not declare ${notInFile.join(", ")}.`, evidence);
  const missing = missingServices(facts, p.stack, p.services);
  if (missing) return { ...missing, evidence: [...evidence, ...missing.evidence] };
  const unpinned: string[] = [];
  for (const name of p.services) {
    const svc = serviceNamed(facts, p.stack, name) as SwarmService;
    const written = svc.Spec.Labels?.["com.docker.stack.image"] ?? "";
    const running = svc.Spec.TaskTemplate?.ContainerSpec?.Image ?? "";
    evidence.push(
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: 'Spec.Labels["com.docker.stack.image"]',
        observed: written,
        expected: "name@sha256:… as written in stack.yml",
      },
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "Spec.TaskTemplate.ContainerSpec.Image",
        observed: running,
      },
    );
    // Swarm pins a tag to a digest by itself; only the label shows what the learner wrote. (After a
    // `service update --image`, the running digest legitimately differs from the deployed one.)
    if (!isPinnedByDigest(written) || !isPinnedByDigest(running)) unpinned.push(name);
  }
  if (unpinned.length)
    return fail(
      `${unpinned.join(", ")} ${unpinned.length > 1 ? "are" : "is"} deployed by tag, not by digest.`,
      evidence,
    );
  return pass(
    `Stack ${p.stack} runs ${p.services.join(", ")} from ${file.path}, pinned by digest.`,
    evidence,
  );
}

const ComposeConfig = z.object({ services: z.record(z.string(), z.unknown()).optional() });

/**
 * The stack file as Compose resolves it (anchors, merges, `extends`, the schema), by the Compose
 * of the learner's own laptop node; variables are left as written (`--no-interpolate`), since the
 * values a deploy used are not known here.
 */
async function readStackFile(lab: LabAccess, relative: string): Promise<StackFile> {
  const safe = normalize(relative);
  const path = `/workspace/${safe}`;
  if (safe.startsWith("..") || safe.startsWith("/")) return { path, error: "the path leaves the workspace" };
  if (!existsSync(join(lab.workspace, safe))) return { path, error: "no such file" };
  const laptop = lab.host.getContainer(containerName(lab.lab, "laptop"));
  const out = await execArgv(
    laptop,
    ["docker", "compose", "--file", path, "config", "--no-interpolate", "--format", "json"],
    20_000,
  );
  const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";
  if (out.code !== 0) return { path, error: `docker compose config rejects it: ${lastLine(out.stderr)}` };
  try {
    return { path, services: Object.keys(ComposeConfig.parse(JSON.parse(out.stdout)).services ?? {}) };
  } catch {
    return { path, error: `docker compose config printed no configuration: ${lastLine(out.stderr)}` };
  }
}

export const stackDeployed = defineCheck({
  id: "swarm.stack.deployed",
  title: "Stack deployed from stack.yml by digest",
  kind: "snapshot",
  watches: { objects: ["service"], files: (p) => [p.stackFile] },
  params: z
    .object({
      stack: Stack,
      stackFile: z.string().min(1).default("reg-case-platform/stack.yml"),
      services: z.array(ServiceName).min(1).default(["case-api", "worker"]),
    })
    .strict(),
  async collect(ctx, p) {
    return {
      swarm: await collectSwarm(ctx, p.stack),
      file: await readStackFile(ctx.lab, p.stackFile),
    };
  },
  evaluate: (f, p) => evaluateStackDeployed(f.swarm, f.file, p),
});

// ---- services-converged -------------------------------------------------------------------

export function evaluateConverged(facts: SwarmFacts, p: { stack: string; services: string[] }): CheckOutcome {
  const none = noSwarm(facts) ?? missingServices(facts, p.stack, p.services);
  if (none) return none;
  const evidence: Evidence[] = [];
  const behind: string[] = [];
  for (const svc of facts.services) {
    const st = svc.ServiceStatus ?? {};
    const state = svc.UpdateStatus?.State;
    evidence.push({
      source: SERVICES,
      field: `${svc.Spec.Name}: RunningTasks/DesiredTasks, UpdateStatus.State`,
      observed: `${st.RunningTasks ?? 0}/${st.DesiredTasks ?? 0}, ${state ?? "(no update)"}`,
      expected: "running = desired > 0, not updating or paused",
    });
    if (
      !st.DesiredTasks ||
      st.RunningTasks !== st.DesiredTasks ||
      (state && !["completed", "rollback_completed"].includes(state))
    )
      behind.push(svc.Spec.Name ?? svc.ID);
  }
  if (behind.length) return fail(`Not converged: ${behind.join(", ")}.`, evidence);
  return pass(
    `All ${facts.services.length} services of ${p.stack} run as many replicas as they want.`,
    evidence,
  );
}

export const converged = defineCheck({
  id: "swarm.converged",
  title: "Running replicas equal desired",
  kind: "snapshot",
  watches: { objects: ["service"] },
  params: z
    .object({
      stack: Stack,
      services: z.array(ServiceName).min(1).default(["case-api", "worker", "postgres", "redis"]),
    })
    .strict(),
  collect: (ctx, p) => collectSwarm(ctx, p.stack),
  evaluate: evaluateConverged,
});

// ---- placement-constraints-tested ---------------------------------------------------------

const norm = (c: string) => c.replace(/\s+/g, "");

/** Does a node satisfy `node.labels.x == y`, `node.role == worker`, `node.hostname != z`? */
export function nodeSatisfies(node: SwarmFacts["nodes"][number] | undefined, constraint: string): boolean {
  const c = parseConstraint(constraint);
  if (!c || !node) return false;
  let actual: string | undefined;
  if (c.key.startsWith("node.labels.")) actual = node.Spec?.Labels?.[c.key.slice("node.labels.".length)];
  else if (c.key === "node.role") actual = node.Spec?.Role;
  else if (c.key === "node.hostname") actual = node.Description?.Hostname;
  else if (c.key === "node.id") actual = node.ID;
  else return false;
  return c.op === "==" ? actual === c.value : actual !== c.value;
}

export function evaluatePlacement(
  facts: SwarmFacts,
  p: { stack: string; constraints: Record<string, string[]> },
): CheckOutcome {
  const none = noSwarm(facts) ?? missingServices(facts, p.stack, Object.keys(p.constraints));
  if (none) return none;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const [name, wanted] of Object.entries(p.constraints)) {
    const svc = serviceNamed(facts, p.stack, name) as SwarmService;
    const have = svc.Spec.TaskTemplate?.Placement?.Constraints ?? [];
    const tasks = runningTasks(facts, svc);
    const nodes = tasks.map((t) => facts.nodes.find((n) => n.ID === t.NodeID));
    evidence.push(
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "Spec.TaskTemplate.Placement.Constraints",
        observed: have,
        expected: wanted.join(" and "),
      },
      {
        source: TASKS,
        field: `${svc.Spec.Name}: nodes of running tasks`,
        observed: tasks.map((t) => hostnameOf(facts, t.NodeID)),
        expected: "nodes that satisfy the constraints",
      },
    );
    const absent = wanted.filter((w) => !have.some((h) => norm(h) === norm(w)));
    if (absent.length) problems.push(`${name} lacks ${absent.join(", ")}`);
    else if (tasks.length === 0) problems.push(`${name} has no running task`);
    else if (!nodes.every((n) => wanted.every((w) => nodeSatisfies(n, w))))
      problems.push(`${name} runs on a node that does not satisfy them`);
  }
  if (problems.length) return fail(`Placement: ${problems.join("; ")}.`, evidence);
  return pass(
    `Every constrained service runs only on nodes that satisfy its constraints (${Object.keys(p.constraints).join(", ")}).`,
    evidence,
  );
}

export const placement = defineCheck({
  id: "swarm.placement",
  title: "Placement constraints on node labels",
  kind: "snapshot",
  watches: { objects: ["service", "node"] },
  params: z
    .object({
      stack: Stack,
      constraints: z.record(ServiceName, z.array(z.string().min(3)).min(1)).default({
        "case-api": ["node.labels.workload == app"],
        worker: ["node.labels.workload == app"],
        redis: ["node.labels.stateful == true"],
        postgres: ["node.labels.stateful == true"],
      }),
    })
    .strict(),
  collect: (ctx, p) => collectSwarm(ctx, p.stack),
  evaluate: evaluatePlacement,
});

// ---- resources-reserved-limited -----------------------------------------------------------

export function evaluateResources(facts: SwarmFacts, p: { stack: string; services: string[] }): CheckOutcome {
  const none = noSwarm(facts) ?? missingServices(facts, p.stack, p.services);
  if (none) return none;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const name of p.services) {
    const svc = serviceNamed(facts, p.stack, name) as SwarmService;
    const r = svc.Spec.TaskTemplate?.Resources ?? {};
    const lim = r.Limits ?? {};
    const res = r.Reservations ?? {};
    evidence.push({
      source: `${SERVICES} ${svc.Spec.Name}`,
      field: "Spec.TaskTemplate.Resources",
      observed: { Limits: lim, Reservations: res },
      expected: "reservations and limits of CPU and memory, reservation ≤ limit",
    });
    const all = [lim.NanoCPUs, lim.MemoryBytes, res.NanoCPUs, res.MemoryBytes];
    if (!all.every((v) => typeof v === "number" && v > 0))
      problems.push(`${name} lacks a reservation or a limit`);
    else if ((res.NanoCPUs ?? 0) > (lim.NanoCPUs ?? 0) || (res.MemoryBytes ?? 0) > (lim.MemoryBytes ?? 0))
      problems.push(`${name} reserves more than its limit`);
  }
  if (problems.length) return fail(`Resources: ${problems.join("; ")}.`, evidence);
  return pass(`${p.services.join(", ")} reserve and limit CPU and memory.`, evidence);
}

export const resources = defineCheck({
  id: "swarm.resources",
  title: "Reservations and limits set",
  kind: "snapshot",
  watches: { objects: ["service"] },
  params: z
    .object({ stack: Stack, services: z.array(ServiceName).min(1).default(["case-api", "worker"]) })
    .strict(),
  collect: (ctx, p) => collectSwarm(ctx, p.stack),
  evaluate: evaluateResources,
});

// ---- database-url-secret -------------------------------------------------------------------

export function evaluateSecret(
  facts: SwarmFacts,
  p: { stack: string; services: string[]; variable: string; target: string },
): CheckOutcome {
  const none = noSwarm(facts) ?? missingServices(facts, p.stack, p.services);
  if (none) return none;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  for (const name of p.services) {
    const svc = serviceNamed(facts, p.stack, name) as SwarmService;
    const cs = svc.Spec.TaskTemplate?.ContainerSpec ?? {};
    const env = cs.Env ?? [];
    const secrets = cs.Secrets ?? [];
    const inEnv = env.some((e) => e.startsWith(`${p.variable}=`));
    const file = env.find((e) => e.startsWith(`${p.variable}_FILE=`))?.slice(p.variable.length + 6);
    const mounted = secrets.find((s) => s.File?.Name === p.target || `/run/secrets/${s.File?.Name}` === file);
    evidence.push(
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "ContainerSpec.Secrets",
        observed: secrets.map((s) => `${s.SecretName} → /run/secrets/${s.File?.Name}`),
        expected: `a secret at /run/secrets/${p.target}`,
      },
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "ContainerSpec.Env keys",
        observed: env.map((e) => e.split("=")[0]),
        expected: `${p.variable}_FILE, not ${p.variable}`,
      },
    );
    if (inEnv) problems.push(`${name} has ${p.variable} in its environment`);
    else if (!mounted) problems.push(`${name} mounts no secret for ${p.variable}`);
    else if (!file?.startsWith("/run/secrets/"))
      problems.push(`${name} does not point ${p.variable}_FILE at the secret`);
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `${p.services.join(", ")} read ${p.variable} from a Docker secret file; it is not in their environment.`,
    evidence,
  );
}

export const dbSecret = defineCheck({
  id: "swarm.secret.database-url",
  title: "Database URL injected as a Docker secret",
  kind: "snapshot",
  watches: { objects: ["service", "secret"] },
  params: z
    .object({
      stack: Stack,
      services: z.array(ServiceName).min(1).default(["case-api", "worker"]),
      variable: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/)
        .default("DATABASE_URL"),
      target: z
        .string()
        .regex(/^[a-zA-Z0-9_.-]+$/)
        .default("database_url"),
    })
    .strict(),
  collect: (ctx, p) => collectSwarm(ctx, p.stack),
  evaluate: evaluateSecret,
});

// ---- overlay-network-works ----------------------------------------------------------------

/** Fixed probe (no user input): connect to each host:port given as arguments, print JSON. */
const PROBE = `const net=require("net");const t=process.argv.slice(1);Promise.all(t.map(a=>new Promise(r=>{const[h,p]=a.split(":");const s=net.connect({host:h,port:+p,timeout:3000});const d=x=>{s.destroy();r({target:a,ok:x.ok,detail:x.detail})};s.on("connect",()=>d({ok:true,detail:s.remoteAddress}));s.on("timeout",()=>d({ok:false,detail:"timeout"}));s.on("error",e=>d({ok:false,detail:e.code||e.message}))}))).then(r=>console.log(JSON.stringify(r)))`;

interface OverlayProbe {
  fromNode: string;
  networks: Array<{ name: string; driver: string }>;
  targets: Array<{ target: string; ok: boolean; detail: string; node?: string }>;
  error?: string;
}

export function evaluateOverlay(
  facts: SwarmFacts,
  probe: OverlayProbe | undefined,
  p: { stack: string; from: string; to: string[] },
): CheckOutcome {
  const none =
    noSwarm(facts) ??
    missingServices(facts, p.stack, [p.from, ...p.to.map((t) => t.split(":")[0] as string)]);
  if (none) return none;
  if (!probe)
    return fail(`${p.stack}_${p.from} has no running task to probe from.`, [
      { source: TASKS, field: "running tasks", observed: 0, expected: "≥ 1" },
    ]);
  const evidence: Evidence[] = [
    {
      source: TASKS,
      field: `${p.stack}_${p.from} task: NetworksAttachments`,
      observed: probe.networks.map((n) => `${n.name} (${n.driver})`),
      expected: "an overlay network shared with its dependencies",
    },
    {
      source: `${probe.fromNode}: POST /containers/{task}/exec`,
      field: "TCP connect by service name",
      observed: probe.targets.map(
        (t) => `${t.target} (on ${t.node ?? "?"}): ${t.ok ? `ok ${t.detail}` : t.detail}`,
      ),
      expected: "every target answers",
    },
  ];
  if (probe.error) return checkError(`The probe could not run: ${probe.error}.`, evidence);
  if (!probe.networks.some((n) => n.driver === "overlay" && n.name !== "ingress"))
    return fail(`${p.from} is on no overlay network of its own.`, evidence);
  const failed = probe.targets.filter((t) => !t.ok);
  if (failed.length)
    return fail(
      `From ${probe.fromNode}, ${failed.map((f) => f.target).join(", ")} did not answer by name.`,
      evidence,
    );
  const remote = probe.targets.filter((t) => t.node && t.node !== probe.fromNode).length;
  return pass(
    `${p.from} on ${probe.fromNode} reached ${probe.targets.map((t) => t.target).join(", ")} by name over the overlay (${remote} on another node).`,
    evidence,
  );
}

export const overlay = defineCheck({
  id: "swarm.overlay",
  title: "Services reach each other by name over an overlay",
  kind: "probe",
  watches: { objects: ["service", "network"] },
  params: z
    .object({
      stack: Stack,
      from: ServiceName.default("case-api"),
      to: z
        .array(z.string().regex(/^[a-z0-9_-]+:\d{1,5}$/))
        .min(1)
        .default(["redis:6379", "postgres:5432"]),
    })
    .strict(),
  async collect(ctx, p) {
    const swarm = await collectSwarm(ctx, p.stack);
    const svc = serviceNamed(swarm, p.stack, p.from);
    const task = svc ? runningTasks(swarm, svc)[0] : undefined;
    const containerId = task?.Status?.ContainerStatus?.ContainerID;
    if (!task || !containerId) return { swarm, probe: undefined };
    const fromNode = hostnameOf(swarm, task.NodeID);
    const networks = (task.NetworksAttachments ?? []).map((a) => ({
      name: a.Network?.Spec?.Name ?? "?",
      driver: a.Network?.Spec?.DriverConfiguration?.Name ?? "?",
    }));
    const nodeOf = (service: string) => {
      const s = serviceNamed(swarm, p.stack, service);
      const t = s ? runningTasks(swarm, s)[0] : undefined;
      return t ? hostnameOf(swarm, t.NodeID) : undefined;
    };
    const probe: OverlayProbe = { fromNode, networks, targets: [] };
    try {
      const engine = await ctx.lab.engine(fromNode as EngineRole);
      const out = await execArgv(engine.getContainer(containerId), ["node", "-e", PROBE, ...p.to], 15_000);
      const parsed = JSON.parse(out.stdout.trim() || "[]") as OverlayProbe["targets"];
      probe.targets = parsed.map((t) => ({
        ...t,
        ...(nodeOf(t.target.split(":")[0] as string)
          ? { node: nodeOf(t.target.split(":")[0] as string) }
          : {}),
      }));
      if (out.code !== 0) probe.error = `exit ${out.code}: ${out.stderr.trim().slice(0, 200)}`;
    } catch (err) {
      probe.error = (err as Error).message;
    }
    return { swarm, probe };
  },
  evaluate: (f, p) => evaluateOverlay(f.swarm, f.probe, p),
});
