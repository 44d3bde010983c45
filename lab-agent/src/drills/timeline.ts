import type Docker from "dockerode";
import type { LabAccess } from "../checks/lab-access.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import type { SnapService, SnapTask, SwarmSnapshot, TimelineEvent } from "./drill-types.ts";

export const SWARM_NODES = ["manager-1", "worker-1", "worker-2"] as const satisfies readonly EngineRole[];

/** The swarm as the manager sees it now. */
export async function readSnapshot(manager: Docker): Promise<SwarmSnapshot> {
  const [services, tasks, nodes, secrets] = await Promise.all([
    manager.listServices(),
    manager.listTasks(),
    manager.listNodes(),
    manager.listSecrets(),
  ]);
  return {
    services: services as unknown as SwarmSnapshot["services"],
    tasks: tasks as unknown as SwarmSnapshot["tasks"],
    nodes: nodes as unknown as SwarmSnapshot["nodes"],
    secrets: secrets as unknown as SwarmSnapshot["secrets"],
  };
}

export const serviceNamed = (s: SwarmSnapshot, name: string): SnapService | undefined =>
  s.services.find((x) => x.Spec.Name === name);
export const hostnameOf = (s: SwarmSnapshot, nodeId: string | undefined): string =>
  s.nodes.find((n) => n.ID === nodeId)?.Description?.Hostname ?? nodeId ?? "?";
export const tasksOf = (s: SwarmSnapshot, svc: SnapService | undefined): SnapTask[] =>
  svc ? s.tasks.filter((t) => t.ServiceID === svc.ID) : [];
export const runningTasks = (s: SwarmSnapshot, svc: SnapService | undefined): SnapTask[] =>
  tasksOf(s, svc).filter((t) => t.DesiredState === "running" && t.Status?.State === "running");
export const replicasOf = (svc: SnapService | undefined): number | undefined =>
  svc?.Spec.Mode?.Replicated?.Replicas;

interface SeenTask {
  state?: string;
  desired?: string;
  err?: string;
}
interface SeenService {
  update?: string;
  message?: string;
  image?: string;
  memory?: number;
  secrets?: string;
  replicas?: number;
}

/** What changed between two snapshots, as timeline events (pure: the unit tables feed it JSON). */
export function diffSnapshot(
  seen: {
    tasks: Map<string, SeenTask>;
    services: Map<string, SeenService>;
    nodes: Map<string, string>;
    /** Secret id → name (secrets come and go; their values are never read). */
    secrets?: Map<string, string>;
  },
  snap: SwarmSnapshot,
  at: string,
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const nameOf = (id: string) => snap.services.find((s) => s.ID === id)?.Spec.Name ?? id;
  for (const t of snap.tasks) {
    const now: SeenTask = {
      ...(t.Status?.State ? { state: t.Status.State } : {}),
      ...(t.DesiredState ? { desired: t.DesiredState } : {}),
      ...(t.Status?.Err ? { err: t.Status.Err } : {}),
    };
    const before = seen.tasks.get(t.ID);
    seen.tasks.set(t.ID, now);
    if (before && before.state === now.state && before.desired === now.desired && before.err === now.err)
      continue;
    events.push({
      at,
      source: "manager-1",
      kind: "task",
      service: nameOf(t.ServiceID),
      task: t.ID,
      ...(t.Slot !== undefined ? { slot: t.Slot } : {}),
      node: hostnameOf(snap, t.NodeID),
      ...(now.state ? { state: now.state } : {}),
      ...(now.desired ? { desired: now.desired } : {}),
      ...(t.Spec?.ContainerSpec?.Image ? { image: t.Spec.ContainerSpec.Image } : {}),
      ...(t.Status?.ContainerStatus?.ContainerID ? { container: t.Status.ContainerStatus.ContainerID } : {}),
      ...(t.Status?.ContainerStatus?.ExitCode !== undefined &&
      ["failed", "complete", "shutdown", "rejected"].includes(now.state ?? "")
        ? { exitCode: t.Status.ContainerStatus.ExitCode }
        : {}),
      message: [t.Status?.Message, t.Status?.Err].filter(Boolean).join(": "),
      ...(before
        ? {}
        : {
            detail: {
              first: true,
              createdAt: t.CreatedAt,
              ...(t.Spec?.ContainerSpec?.Secrets?.length
                ? { secrets: t.Spec.ContainerSpec.Secrets.map((x) => x.SecretName) }
                : {}),
            },
          }),
    });
  }
  for (const s of snap.services) {
    const ct = s.Spec.TaskTemplate;
    const now: SeenService = {
      ...(s.UpdateStatus?.State ? { update: s.UpdateStatus.State } : {}),
      ...(s.UpdateStatus?.Message ? { message: s.UpdateStatus.Message } : {}),
      ...(ct?.ContainerSpec?.Image ? { image: ct.ContainerSpec.Image } : {}),
      ...(ct?.Resources?.Limits?.MemoryBytes ? { memory: ct.Resources.Limits.MemoryBytes } : {}),
      secrets: (ct?.ContainerSpec?.Secrets ?? []).map((x) => x.SecretName).join(","),
      ...(replicasOf(s) !== undefined ? { replicas: replicasOf(s) as number } : {}),
    };
    const before = seen.services.get(s.ID);
    seen.services.set(s.ID, now);
    const name = s.Spec.Name ?? s.ID;
    if (!before) continue;
    if (before.update !== now.update || before.message !== now.message) {
      events.push({
        at,
        source: "manager-1",
        kind: "update",
        service: name,
        ...(now.update ? { state: now.update } : {}),
        ...(now.message ? { message: now.message } : {}),
        ...(now.image ? { image: now.image } : {}),
        detail: {
          old: before.update ?? null,
          previousImage: s.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image,
        },
      });
    }
    for (const key of ["image", "memory", "secrets", "replicas"] as const) {
      if (before[key] === now[key]) continue;
      events.push({
        at,
        source: "manager-1",
        kind: "service",
        service: name,
        action: key,
        message: `${key}: ${before[key] ?? "none"} → ${now[key] ?? "none"}`,
        detail: { old: before[key] ?? null, new: now[key] ?? null },
      });
    }
  }
  for (const n of snap.nodes) {
    const now = `${n.Spec?.Availability ?? "?"}/${n.Status?.State ?? "?"}`;
    const before = seen.nodes.get(n.ID);
    seen.nodes.set(n.ID, now);
    if (before === undefined || before === now) continue;
    events.push({
      at,
      source: "manager-1",
      kind: "node",
      node: n.Description?.Hostname ?? n.ID,
      state: now,
      message: `${before} → ${now}`,
    });
  }
  if (seen.secrets) {
    const now = new Map(snap.secrets.map((x) => [x.ID, x.Spec?.Name ?? x.ID]));
    for (const [id, name] of now) {
      if (seen.secrets.has(id)) continue;
      events.push({
        at,
        source: "manager-1",
        kind: "secret",
        action: "create",
        message: name,
        detail: { id },
      });
    }
    for (const [id, name] of seen.secrets) {
      if (now.has(id)) continue;
      events.push({
        at,
        source: "manager-1",
        kind: "secret",
        action: "remove",
        message: name,
        detail: { id },
      });
    }
    seen.secrets = now;
  }
  return events;
}

interface EngineEvent {
  Type?: string;
  Action?: string;
  time?: number;
  timeNano?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

/** A container event of one engine as a timeline line (task and service from the swarm's labels). */
export function containerEvent(node: string, e: EngineEvent): TimelineEvent | undefined {
  if (e.Type !== "container" || !e.Action) return undefined;
  const keep = /^(die|oom|kill|start|stop|health_status|create|destroy)/;
  if (!keep.test(e.Action)) return undefined;
  const a = e.Actor?.Attributes ?? {};
  const at = e.timeNano
    ? new Date(e.timeNano / 1e6).toISOString()
    : new Date((e.time ?? 0) * 1000).toISOString();
  return {
    at,
    source: node,
    kind: "container",
    node,
    action: e.Action,
    ...(e.Actor?.ID ? { container: e.Actor.ID } : {}),
    ...(a["com.docker.swarm.service.name"] ? { service: a["com.docker.swarm.service.name"] } : {}),
    ...(a["com.docker.swarm.task.id"] ? { task: a["com.docker.swarm.task.id"] } : {}),
    ...(a.exitCode !== undefined ? { exitCode: Number(a.exitCode) } : {}),
    ...(a.signal ? { message: `signal ${a.signal}` } : {}),
  };
}

export interface Recorder {
  /** The latest snapshot the recorder read. */
  snapshot(): SwarmSnapshot | undefined;
  /** Reads once more now (a drill step just happened). */
  poll(): Promise<SwarmSnapshot | undefined>;
  stop(): Promise<void>;
}

/**
 * Records the swarm while a drill runs: a snapshot diff every second (tasks, update states,
 * service specs, nodes) from the manager, and every node engine's container events (die, oom,
 * kill, health) live. Each event goes to `write` as it comes.
 */
export async function startRecorder(
  lab: LabAccess,
  write: (events: TimelineEvent[]) => void,
  intervalMs = 1000,
): Promise<Recorder> {
  const manager = await lab.engine("manager-1");
  const seen = {
    tasks: new Map(),
    services: new Map(),
    nodes: new Map(),
    secrets: new Map<string, string>(),
  };
  let latest: SwarmSnapshot | undefined;
  // The first read is the baseline: what exists already is not news.
  let baseline = true;
  let stopped = false;
  const streams: Array<{ destroy?: () => void }> = [];
  let polling: Promise<SwarmSnapshot | undefined> | undefined;
  const poll = () => {
    polling ??= (async () => {
      try {
        const snap = await readSnapshot(manager);
        const events = diffSnapshot(seen, snap, new Date().toISOString());
        if (!baseline) write(events);
        baseline = false;
        latest = snap;
        return snap;
      } catch {
        return latest;
      } finally {
        polling = undefined;
      }
    })();
    return polling;
  };
  await poll();
  for (const node of SWARM_NODES) {
    try {
      const engine = await lab.engine(node);
      const stream = (await engine.getEvents({ filters: { type: ["container"] } })) as NodeJS.ReadableStream;
      streams.push(stream as unknown as { destroy?: () => void });
      let buffered = "";
      stream.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        const events = lines.flatMap((l) => {
          try {
            const ev = containerEvent(node, JSON.parse(l) as EngineEvent);
            return ev ? [ev] : [];
          } catch {
            return [];
          }
        });
        if (!stopped) write(events);
      });
      stream.on("error", () => {});
    } catch {
      write([
        { at: new Date().toISOString(), source: "drill", kind: "drill", message: `no events from ${node}` },
      ]);
    }
  }
  const timer = setInterval(() => void poll(), intervalMs);
  return {
    snapshot: () => latest,
    poll,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await polling;
      for (const s of streams) s.destroy?.();
    },
  };
}
