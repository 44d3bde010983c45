import { z } from "zod";
import type { LabAccess } from "../checks/lab-access.ts";
import type { DrillId } from "../course/course-outline.ts";

/**
 * One line of a drill's timeline: what the swarm and the nodes did while the drill ran, recorded
 * live (Docker keeps only its last 256 events per engine, and health checks fill that in seconds).
 */
export const TimelineEvent = z.object({
  at: z.string(),
  /** Which engine said it (manager-1 for swarm objects), or `drill` / `prober`. */
  source: z.string(),
  /**
   * task: a task changed state; container: an engine's container event (die, oom, kill, start,
   * health_status: …); update: a service's UpdateStatus or image changed; node: availability or
   * state changed; service: a service spec changed (limits, secrets, replicas); secret: a swarm secret
   * was created or removed (its name, never its value); drill: what the drill did; prober: the prober's counters.
   */
  kind: z.enum(["task", "container", "update", "node", "service", "secret", "drill", "prober"]),
  service: z.string().optional(),
  task: z.string().optional(),
  slot: z.number().optional(),
  node: z.string().optional(),
  state: z.string().optional(),
  desired: z.string().optional(),
  action: z.string().optional(),
  container: z.string().optional(),
  image: z.string().optional(),
  exitCode: z.number().optional(),
  message: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

/** The prober's counters: requests made to the app through the swarm's DNS, by answering address. */
export const ProberCounts = z.object({
  at: z.string(),
  ok: z.number(),
  fail: z.number(),
  byAddress: z.record(z.string(), z.object({ ok: z.number(), fail: z.number() })),
  lastError: z.string().nullable().default(null),
});
export type ProberCounts = z.infer<typeof ProberCounts>;

/**
 * One item of the seed's "Expected" list, judged with its evidence. `pending`: the learner's part
 * of the drill, not done yet (e.g. a new limit not set yet): `status` and `stop` judge it again;
 * it fails nothing meanwhile, and the drill's verdict stays pending (proved nothing yet) until it is judged.
 */
export const DrillItem = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(["pass", "fail", "error", "pending"]),
  summary: z.string(),
  evidence: z.array(z.string()),
});
export type DrillItem = z.infer<typeof DrillItem>;

export const DrillPhase = z.enum([
  /** Preconditions were not met: nothing was done. */
  "blocked",
  /** The host lacks a kernel feature the drill needs: nothing was done, nothing passed. */
  "skipped",
  /** Fault injected (and observed): `stop` restores. */
  "active",
  /** The drill failed to run (an engine error): `stop` restores what was done. */
  "broken",
  /** `stop` restored the lab. */
  "stopped",
]);
export type DrillPhase = z.infer<typeof DrillPhase>;

/** What `stop` must undo, written before the step that needs it is taken. */
export const UndoStep = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("remove-service"), name: z.string() }),
  z.object({ kind: z.literal("node-availability"), node: z.string(), availability: z.string() }),
  z.object({ kind: z.literal("remove-secret"), name: z.string() }),
  z.object({ kind: z.literal("service-image"), service: z.string(), image: z.string() }),
  z.object({
    kind: z.literal("service-secret"),
    service: z.string(),
    /** The secret references the service had before (JSON of ContainerSpec.Secrets). */
    secrets: z.array(z.record(z.string(), z.unknown())),
  }),
  /** A PostgreSQL role the drill created (a test credential): its sessions ended, the role dropped. */
  z.object({
    kind: z.literal("db-role"),
    /** The stack's PostgreSQL service, whose running task's psql does it (local socket). */
    service: z.string(),
    user: z.string(),
    db: z.string(),
    role: z.string(),
  }),
  /**
   * A secret that must exist again after the drill (e.g. removed by the learner mid-drill): created
   * from `file` (0600 in the drill's state folder, deleted once restored) when it is missing.
   */
  z.object({
    kind: z.literal("restore-secret"),
    name: z.string(),
    file: z.string(),
    labels: z.record(z.string(), z.string()).default({}),
  }),
  /**
   * A service's resources as they were (TaskTemplate.Resources, exactly as inspected: limits and
   * reservations), put back when they differ.
   */
  z.object({
    kind: z.literal("service-resources"),
    service: z.string(),
    resources: z.record(z.string(), z.unknown()),
  }),
  z.object({ kind: z.literal("firewall"), node: z.string(), rule: z.array(z.string()) }),
]);
export type UndoStep = z.infer<typeof UndoStep>;

export const DrillRun = z.object({
  drill: z.string(),
  lab: z.string(),
  phase: DrillPhase,
  startedAt: z.string(),
  injectedAt: z.string().nullable().default(null),
  stoppedAt: z.string().nullable().default(null),
  /** Why the drill was blocked, skipped or broken. */
  reason: z.string().nullable().default(null),
  /** What the drill chose (the task it killed, the node it drained, …). */
  params: z.record(z.string(), z.unknown()).default({}),
  undo: z.array(UndoStep).default([]),
  /** The prober's counters when the fault was injected (a baseline) and at the last read. */
  proberBaseline: ProberCounts.nullable().default(null),
  prober: ProberCounts.nullable().default(null),
  items: z.array(DrillItem).default([]),
  /** The learner's part: what to run and watch (the seed's commands). */
  learner: z.array(z.string()).default([]),
  /**
   * pass when every item passed; fail when one failed; error when one can't tell; pending when the
   * rest passed and the learner's part is still to do; none while blocked/skipped.
   */
  verdict: z.enum(["pass", "fail", "error", "pending", "none"]).default("none"),
});
export type DrillRun = z.infer<typeof DrillRun>;

/** What the swarm looks like now, as the manager's API returns it (the parts drills read). */
export interface SwarmSnapshot {
  services: SnapService[];
  tasks: SnapTask[];
  nodes: SnapNode[];
  secrets: Array<{
    ID: string;
    Spec?: { Name?: string; Labels?: Record<string, string> };
    CreatedAt?: string;
  }>;
}
export interface SnapService {
  ID: string;
  CreatedAt?: string;
  Spec: {
    Name?: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
    TaskTemplate?: {
      ContainerSpec?: {
        Image?: string;
        Env?: string[];
        Secrets?: Array<SecretRef>;
        Healthcheck?: { Test?: string[] };
      };
      Resources?: {
        Limits?: { MemoryBytes?: number; NanoCPUs?: number };
        Reservations?: { MemoryBytes?: number; NanoCPUs?: number };
      };
      RestartPolicy?: { Condition?: string; Delay?: number; MaxAttempts?: number; Window?: number };
      Placement?: { Constraints?: string[] };
      Networks?: Array<{ Target?: string; Aliases?: string[] }>;
    };
    UpdateConfig?: {
      FailureAction?: string;
      Monitor?: number;
      Order?: string;
      Parallelism?: number;
      MaxFailureRatio?: number;
    };
    RollbackConfig?: { FailureAction?: string; Monitor?: number };
  };
  PreviousSpec?: { TaskTemplate?: { ContainerSpec?: { Image?: string; Secrets?: Array<SecretRef> } } };
  UpdateStatus?: { State?: string; Message?: string; StartedAt?: string; CompletedAt?: string };
  Version?: { Index?: number };
}
/** A service's reference to a secret (ContainerSpec.Secrets[]): where it is mounted, and which. */
export type SecretRef = Record<string, unknown> & {
  SecretName?: string;
  SecretID?: string;
  File?: { Name?: string; UID?: string; GID?: string; Mode?: number };
};
export interface SnapTask {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  CreatedAt?: string;
  /** The service's TaskTemplate as this task got it. */
  Spec?: NonNullable<SnapService["Spec"]["TaskTemplate"]>;
  Status?: {
    State?: string;
    Timestamp?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  NetworksAttachments?: Array<{ Network?: { Spec?: { Name?: string } }; Addresses?: string[] }>;
}
export interface SnapNode {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Status?: { State?: string };
}

/** What a drill's verification reads: all recorded or read, so it is a pure function (unit tables). */
export interface DrillFacts {
  run: DrillRun;
  timeline: TimelineEvent[];
  snapshot: SwarmSnapshot;
}

export interface DrillEnv {
  lab: LabAccess;
  home: string;
  stack: string;
  /** Records a step of the drill on the timeline. */
  note(message: string, detail?: Record<string, unknown>): void;
  /** Persists the run (call before a step that needs undoing). */
  save(): void;
  progress(message: string): void;
}

export interface DrillOptions {
  signal?: string;
  node?: string;
}

export interface DrillDefinition {
  id: DrillId;
  title: string;
  /** Kernel features the drill needs (kernel-features.ts): missing → skipped with the reason. */
  needs: readonly KernelFeature[];
  /** The seed's commands for the learner to run and watch. */
  learner: readonly string[];
  /** Unmet preconditions in plain words (empty when the drill may run). */
  preconditions(snapshot: SwarmSnapshot, stack: string, opts: DrillOptions): string[];
  /** Injects the fault, filling run.params and run.undo (saved before each step). */
  inject(env: DrillEnv, run: DrillRun, snapshot: SwarmSnapshot, opts: DrillOptions): Promise<void>;
  /** Whether what the drill waits for has happened (checked every second until `waitMs`). */
  settled(facts: DrillFacts): boolean;
  waitMs: number;
  /** After the wait, reads what verification needs that only the engines have (e.g. a dead task's log). */
  afterWait?(env: DrillEnv, run: DrillRun, snapshot: SwarmSnapshot): Promise<void>;
  /** The seed's Expected list, judged. */
  verify(facts: DrillFacts): DrillItem[];
  /**
   * At `stop`, before anything is undone: reads what the learner left in the lab (status and stop
   * record no timeline between them), e.g. the limit they set.
   */
  beforeRestore?(env: DrillEnv, run: DrillRun): Promise<void>;
  /** After `stop` undid the fault, before the recovery wait: reads what only the engines have. */
  afterRestore?(env: DrillEnv, run: DrillRun): Promise<void>;
  /** After `stop` undid the fault: what recovery looks like (optional), with its own wait. */
  recovered?(facts: DrillFacts): boolean;
  recoveryWaitMs?: number;
}

export type KernelFeature = "iptables" | "netem" | "ipvs";
