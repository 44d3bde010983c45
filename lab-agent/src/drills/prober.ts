import type Docker from "dockerode";
import { splitStreams } from "../checks/engine-reads.ts";
import type { LabAccess } from "../checks/lab-access.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { LABEL } from "../lab/lab-names.ts";
import { ProberCounts, type SnapService, type SwarmSnapshot } from "./drill-types.ts";
import { hostnameOf, serviceNamed, tasksOf } from "./timeline.ts";

export const PROBER_SERVICE = "drydock-drill-prober";
export const DRILL_LABEL = "io.drydock.drill";

/**
 * The prober: every 200 ms, GET http://<task address>:<port>/health, round robin over what
 * `tasks.<service>` resolves to (the swarm's DNS lists only tasks it routes to; no virtual IP,
 * which needs IPVS). Counts answers per address, prints its counters as one JSON line a second.
 * Fixed text; its only inputs are the name and port, passed as arguments.
 */
export const PROBER_SCRIPT = `const dns=require("dns").promises,http=require("http");
const [host,port]=[process.argv[1],+process.argv[2]];const c={ok:0,fail:0,byAddress:{},lastError:null};let i=0;
const hit=(a)=>new Promise(r=>{const q=http.get({host:a,port,path:"/health",timeout:2000},s=>{s.resume();r(s.statusCode===200?null:"HTTP "+s.statusCode)});q.on("timeout",()=>{q.destroy();r("timeout")});q.on("error",e=>r(e.code||e.message))});
const once=async()=>{let a;try{const l=await dns.lookup(host,{all:true});if(!l.length)throw new Error("no address");a=l[i++%l.length].address}catch(e){c.fail++;c.lastError="dns "+(e.code||e.message);return}
const err=await hit(a);const b=(c.byAddress[a]??={ok:0,fail:0});if(err){c.fail++;b.fail++;c.lastError=a+" "+err}else{c.ok++;b.ok++}};
setInterval(()=>console.log(JSON.stringify({at:new Date().toISOString(),...c})),1000);
(async()=>{for(;;){await once();await new Promise(r=>setTimeout(r,200))}})();`;

/** The network the app's tasks share that a new service may join (not the ingress). */
export function appNetwork(svc: SnapService): string | undefined {
  return svc.Spec.TaskTemplate?.Networks?.[0]?.Target;
}

/** Starts the prober as a swarm service on the manager, on the app's network, with the app's own image (it has node). */
export async function startProber(
  manager: Docker,
  lab: string,
  drill: string,
  app: SnapService,
  port = 8080,
): Promise<void> {
  const network = appNetwork(app);
  const image = app.Spec.TaskTemplate?.ContainerSpec?.Image;
  if (!network || !image) throw new Error(`${app.Spec.Name} has no network or image for the prober to use`);
  await manager.createService({
    Name: PROBER_SERVICE,
    Labels: { [DRILL_LABEL]: drill, [LABEL.lab]: lab, [LABEL.managed]: "true" },
    TaskTemplate: {
      ContainerSpec: {
        Image: image,
        Command: ["node", "-e", PROBER_SCRIPT, `tasks.${app.Spec.Name}`, String(port)],
        Healthcheck: { Test: ["NONE"] },
        Labels: { [DRILL_LABEL]: drill },
      },
      Networks: [{ Target: network }],
      Placement: { Constraints: ["node.role == manager"] },
      RestartPolicy: { Condition: "none" },
    },
    Mode: { Replicated: { Replicas: 1 } },
  } as unknown as Docker.ServiceSpec);
}

/** The prober's last counters line from its container's log, or null when it has none yet. */
export async function readProber(lab: LabAccess, snapshot: SwarmSnapshot): Promise<ProberCounts | null> {
  const svc = serviceNamed(snapshot, PROBER_SERVICE);
  const task = tasksOf(snapshot, svc).find((t) => t.Status?.State === "running");
  const id = task?.Status?.ContainerStatus?.ContainerID;
  if (!task || !id) return null;
  const engine = await lab.engine(hostnameOf(snapshot, task.NodeID) as EngineRole);
  const buf = (await engine.getContainer(id).logs({ stdout: true, stderr: false, tail: 3 })) as Buffer;
  return lastCounts(splitStreams(buf).stdout);
}

export function lastCounts(text: string): ProberCounts | null {
  const lines = text.split("\n").filter((l) => l.startsWith("{"));
  for (const line of lines.reverse()) {
    try {
      return ProberCounts.parse(JSON.parse(line));
    } catch {}
  }
  return null;
}

/** Requests between the baseline and now: made, failed, and which addresses answered. */
export function proberDelta(base: ProberCounts | null, now: ProberCounts | null) {
  if (!now) return undefined;
  const b = base ?? { ok: 0, fail: 0, byAddress: {} as ProberCounts["byAddress"] };
  const byAddress: Record<string, { ok: number; fail: number }> = {};
  for (const [addr, c] of Object.entries(now.byAddress)) {
    const was = b.byAddress[addr] ?? { ok: 0, fail: 0 };
    const d = { ok: c.ok - was.ok, fail: c.fail - was.fail };
    if (d.ok || d.fail) byAddress[addr] = d;
  }
  return { ok: now.ok - b.ok, fail: now.fail - b.fail, byAddress, lastError: now.lastError };
}
