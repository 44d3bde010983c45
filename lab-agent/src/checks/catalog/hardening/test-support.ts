import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SwarmService } from "../../collectors/collect-swarm.ts";
import type {
  ContainerInspect,
  Form,
  HardeningFacts,
  HardeningParams,
  NodeDaemon,
  Reviewed,
} from "./review.ts";

/**
 * Test fixtures of the hardening checks, recorded in a lab (Docker 26.1, node:20-slim): `run-*` made
 * with `docker run` on laptop, `rec-*` with `docker compose up`, `stack-*` the task containers of
 * `docker stack deploy` read on their worker, each with its PID 1's /proc status. See fixtures/README.md.
 */
const DIR = join(import.meta.dirname, "fixtures");
const read = (f: string) => readFileSync(join(DIR, f), "utf8");

export const PARAMS: HardeningParams = { stack: "hd", services: ["hard"], image: "node:20-slim" };
const PASSWD = read("node20slim.passwd");
const GROUP = read("node20slim.group");

export type Edit = (r: Reviewed) => void;

export function recorded(name: string, edit?: Edit): Reviewed {
  const f = JSON.parse(read(`${name}.json`)) as { inspect: ContainerInspect; procStatus: string | null };
  const form: Form = name.startsWith("stack-") ? "stack" : name.startsWith("rec-") ? "compose" : "run";
  const labels = f.inspect.Config?.Labels ?? {};
  const r: Reviewed = {
    node: form === "stack" ? "worker-2" : "laptop",
    form,
    service:
      form === "stack"
        ? (labels["com.docker.swarm.service.name"] ?? "")
        : (labels["com.docker.compose.service"] ?? ""),
    inspect: f.inspect,
    passwd: PASSWD,
    group: GROUP,
    procStatus: f.procStatus,
    sources: {},
    volumes: {},
  };
  for (const m of r.inspect.Mounts ?? [])
    if (m.Type === "bind" && m.Source) r.sources[m.Source] = { resolved: m.Source, kind: "regular file" };
  edit?.(r);
  return r;
}

export const daemon = (node: string, over: Partial<NodeDaemon> = {}): NodeDaemon => ({
  node,
  securityOptions: ["name=seccomp,profile=builtin"],
  daemonJson: '{"insecure-registries":["registry:5000"],"storage-driver":"overlay2"}',
  commandLine: "dockerd --host unix:///var/run/docker.sock --host tcp://0.0.0.0:2376 --tlsverify",
  ...over,
});

/** The containers given, with the hardened stack task (hd_hard on worker-2) when none is a task; daemons as given. */
export function factsWith(containers: Reviewed[], daemons?: NodeDaemon[]): HardeningFacts {
  const services = JSON.parse(read("stack-services.json")) as SwarmService[];
  return {
    cluster: { localState: "active", isManager: true, nodes: [], services, tasks: [] },
    containers: containers.some((c) => c.service === "hd_hard")
      ? containers
      : [recorded("stack-hard", nnp), ...containers],
    daemons: daemons ?? ["laptop", "worker-1", "worker-2"].map((n) => daemon(n, enforcing)),
    unread: [],
  };
}

/** What a node's engine shows once "no-new-privileges": true is in daemon.json and it restarted. */
export const enforcing: Partial<NodeDaemon> = {
  securityOptions: ["name=seccomp,profile=builtin", "name=no-new-privileges"],
  daemonJson: '{"insecure-registries":["registry:5000"],"no-new-privileges":true}',
};

/** The task as it runs once its node enforces no-new-privileges (recorded after the restart). */
export const nnp: Edit = (r) => {
  r.procStatus = (r.procStatus ?? "").replace(/NoNewPrivs:\s+0/, "NoNewPrivs:\t1");
};

export const host = (r: Reviewed) => (r.inspect.HostConfig ??= {});

export type Variant = [
  name: string,
  fixture: string,
  edit: Edit | undefined,
  status: "pass" | "fail",
  summary: RegExp,
  /** docker-bench's result on the same containers, and (when it differs) the documented reason. */
  bench?: { id: string; result: "PASS" | "WARN"; differs?: RegExp },
];

export function benchOf(r: { evidence: Array<{ field: string; observed: unknown }> }, id: string) {
  return r.evidence.find((e) => e.field === `docker-bench ${id}`)?.observed as
    | { result: string; agrees: boolean; differs?: string[] }
    | undefined;
}
