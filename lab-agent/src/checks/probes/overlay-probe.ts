import { ipvsSupport } from "../../lab/ipvs-support.ts";
import type { EngineRole } from "../../lab/lab-names.ts";
import type { CheckContext } from "../check-definition.ts";
import type { SwarmService, SwarmTask } from "../collectors/collect-swarm.ts";
import type { ClusterFacts } from "../collectors/swarm-cluster.ts";
import { execArgv } from "../engine-reads.ts";

/**
 * Fixed probe (its only inputs are `host:port` arguments, checked by the params schema): for each
 * target, resolve the name, connect to it, and when that fails also resolve `tasks.<name>` (the
 * tasks' own addresses) and connect to the first, so a broken virtual IP is told from a broken
 * overlay. Prints one JSON array.
 */
export const PROBE = `const net=require("net"),dns=require("dns").promises;
const conn=(host,port)=>new Promise(r=>{const s=net.connect({host,port,timeout:3000});const d=x=>{s.destroy();r(x)};s.on("connect",()=>d({ok:true,detail:"connected",address:s.remoteAddress}));s.on("timeout",()=>d({ok:false,detail:"timeout"}));s.on("error",e=>d({ok:false,detail:e.code||e.message}))});
const look=h=>dns.lookup(h,{all:true}).then(a=>a.map(x=>x.address),e=>e.code||e.message);
Promise.all(process.argv.slice(1).map(async a=>{const[h,p]=a.split(":");const addresses=await look(h);const r={target:a,addresses,...(await conn(h,+p))};
if(!r.ok){const t=await look("tasks."+h);r.tasks={addresses:t,...(Array.isArray(t)&&t.length?await conn(t[0],+p):{ok:false,detail:"no task address"})}}return r})).then(r=>console.log(JSON.stringify(r)))`;

export interface ProbeAttempt {
  ok: boolean;
  detail: string;
  address?: string;
}
export interface ProbeTarget extends ProbeAttempt {
  target: string;
  addresses: string[] | string;
  tasks?: ProbeAttempt & { addresses: string[] | string };
}

/** One probe run: from which task and node, to which targets, and what came back. */
export interface OverlayRun {
  fromTask: string;
  fromNode: string;
  fromState: string;
  /** Networks of the task it ran in: name, id, driver. */
  networks: Array<{ id: string; name: string; driver: string; ingress: boolean }>;
  targets: string[];
  results: ProbeTarget[];
  error?: string;
}

export interface OverlayFacts {
  swarm: ClusterFacts;
  runs: OverlayRun[];
  ipvs: boolean;
}

export const attachmentsOf = (t: SwarmTask) =>
  (t.NetworksAttachments ?? []).map((a) => ({
    id: a.Network?.ID ?? "?",
    name: a.Network?.Spec?.Name ?? "?",
    driver: a.Network?.DriverState?.Name ?? a.Network?.Spec?.DriverConfiguration?.Name ?? "?",
    ingress: Boolean(a.Network?.Spec?.Ingress),
    addresses: (a.Addresses ?? []).map((x) => x.split("/")[0] as string),
  }));

/** A task the probe can exec into: meant to run, with a live container (running, or still starting). */
export function probeSources(swarm: ClusterFacts, svc: SwarmService): SwarmTask[] {
  const order = (t: SwarmTask) => (t.Status?.State === "running" ? 0 : 1);
  return swarm.tasks
    .filter(
      (t) =>
        t.ServiceID === svc.ID &&
        t.DesiredState === "running" &&
        ["running", "starting"].includes(t.Status?.State ?? "") &&
        t.Status?.ContainerStatus?.ContainerID &&
        swarm.nodes.find((n) => n.ID === t.NodeID)?.Status?.State === "ready",
    )
    .sort((a, b) => order(a) - order(b));
}

/**
 * Pairs each target with a source task on another node than the target's tasks when there is one
 * (an overlay proves something only between nodes), then runs one probe per source task.
 */
export async function runOverlayProbes(
  ctx: CheckContext,
  swarm: ClusterFacts,
  sources: SwarmTask[],
  targets: Array<{ target: string; nodes: string[] }>,
): Promise<OverlayRun[]> {
  const bySource = new Map<SwarmTask, string[]>();
  for (const t of targets) {
    const src = sources.find((s) => s.NodeID && !t.nodes.includes(s.NodeID)) ?? sources[0];
    if (!src) continue;
    bySource.set(src, [...(bySource.get(src) ?? []), t.target]);
  }
  const runs: OverlayRun[] = [];
  for (const [task, list] of bySource) {
    // A task whose container stops under the probe (a restart) gives way to the next one, on the
    // same side of the node boundary when there is one.
    const sameSide = (s: SwarmTask) =>
      targets.filter((t) => list.includes(t.target)).every((t) => !t.nodes.includes(s.NodeID ?? ""));
    const fallbacks = sources.filter((s) => s !== task && sameSide(s) === sameSide(task));
    let run = await probeFrom(ctx, swarm, task, list);
    for (const next of fallbacks.slice(0, 2)) {
      if (!run.error) break;
      run = await probeFrom(ctx, swarm, next, list);
    }
    runs.push(run);
  }
  return runs;
}

async function probeFrom(
  ctx: CheckContext,
  swarm: ClusterFacts,
  task: SwarmTask,
  list: string[],
): Promise<OverlayRun> {
  const fromNode = swarm.nodes.find((n) => n.ID === task.NodeID)?.Description?.Hostname ?? "?";
  const run: OverlayRun = {
    fromTask: task.ID,
    fromNode,
    fromState: task.Status?.State ?? "?",
    networks: attachmentsOf(task).map(({ addresses: _, ...n }) => n),
    targets: list,
    results: [],
  };
  try {
    const engine = await ctx.lab.engine(fromNode as EngineRole);
    const out = await execArgv(
      engine.getContainer(task.Status?.ContainerStatus?.ContainerID as string),
      ["node", "-e", PROBE, ...list],
      20_000,
    );
    if (out.code !== 0) run.error = `exit ${out.code}: ${out.stderr.trim().slice(0, 200)}`;
    else run.results = JSON.parse(out.stdout.trim() || "[]") as ProbeTarget[];
  } catch (err) {
    run.error = (err as Error).message;
  }
  return run;
}

export const hostHasIpvs = () => ipvsSupport().available;
