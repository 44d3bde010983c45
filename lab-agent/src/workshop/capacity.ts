import { readFileSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { DrydockError, ErrorCode } from "../common/errors.ts";

/**
 * How many learners' labs fit on this host, from what it has free (memory, disk, processes)
 * and what one lab costs. A clear number before the event beats "out of capacity" in the
 * middle of it (Play with Docker's most common complaint, next-capabilities.md section 4).
 */

export type Resource = "memory" | "disk" | "pids";

/** What one learner's lab costs while in use. */
export interface PerLabFigures {
  memoryBytes: number;
  diskBytes: number;
  /** Kernel tasks (processes and threads: both count against pid_max and threads-max). */
  pids: number;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/**
 * Planning figures for one working lab (laptop, manager-1, worker-1, worker-2, registry), used
 * until `npm run bench -- workshop` has measured this host; pass measured ones instead.
 * - memory 768 MiB: Educates' budget for a session's dind (next-capabilities.md section 4). An idle
 *   lab is less (about 65 MB RSS per idle node, shared/host-docker.md, so ~0.3 GiB); the rest is
 *   the learner's Compose stack (app, PostgreSQL, Redis) and a build.
 * - disk 2 GiB: an estimate, not measured: the node image is shared; each lab adds four
 *   /var/lib/docker volumes (the laptop's build cache and images, the swarm nodes' pulled copies)
 *   and its registry's pushes. Educates caps a session's at 5 GiB.
 * - pids 1200: an estimate: dockerd and containerd run ~60 threads per idle engine, each running
 *   container adds its shim and processes; four engines with a ~10-task stack is about 4 x 300.
 *   Play with Docker caps each dind instance at 1000.
 */
export const LAB_FIGURES: PerLabFigures = { memoryBytes: 768 * MiB, diskBytes: 2 * GiB, pids: 1200 };

/** Kept for the host itself: the agent, the host's engine, page cache, and a margin. */
export const HOST_RESERVE: PerLabFigures = { memoryBytes: 1 * GiB, diskBytes: 2 * GiB, pids: 2048 };

/** What the host has free now. */
export interface HostFigures {
  /** /proc/meminfo MemAvailable. */
  memAvailableBytes: number;
  /** Free to unprivileged users on the filesystem Docker writes to (statfs bavail x bsize). */
  diskAvailableBytes: number;
  /** The kernel's task limit: the lower of pid_max and threads-max. */
  pidLimit: number;
  /** Tasks that exist now (/proc/loadavg's fourth field). */
  tasksNow: number;
}

export interface ResourceFit {
  resource: Resource;
  available: number;
  reserve: number;
  perLab: number;
  seats: number;
}

export interface CapacityPlan {
  seats: number;
  limitedBy: Resource;
  resources: ResourceFit[];
  requested?: number;
  /** Whether `requested` seats fit (true when nothing was requested). */
  fits: boolean;
  /** For the lead, in one or two sentences. */
  message: string;
}

const NAMES: Record<Resource, string> = { memory: "memory", disk: "disk", pids: "processes" };

/** Pure: the seats each resource allows, the lowest of them, and what to tell the lead. */
export function planCapacity(
  host: HostFigures,
  opts: { perLab?: PerLabFigures; reserve?: PerLabFigures; requested?: number } = {},
): CapacityPlan {
  const perLab = opts.perLab ?? LAB_FIGURES;
  const reserve = opts.reserve ?? HOST_RESERVE;
  const fit = (resource: Resource, available: number, keep: number, each: number): ResourceFit => ({
    resource,
    available,
    reserve: keep,
    perLab: each,
    seats: Math.max(0, Math.floor((available - keep) / each)),
  });
  const resources = [
    fit("memory", host.memAvailableBytes, reserve.memoryBytes, perLab.memoryBytes),
    fit("disk", host.diskAvailableBytes, reserve.diskBytes, perLab.diskBytes),
    fit("pids", host.pidLimit - host.tasksNow, reserve.pids, perLab.pids),
  ];
  const lowest = resources.reduce((a, b) => (b.seats < a.seats ? b : a));
  const fits = opts.requested === undefined || opts.requested <= lowest.seats;
  const others = resources
    .filter((r) => r !== lowest)
    .map((r) => `${NAMES[r.resource]} would fit ${r.seats}`)
    .join(", ");
  let message =
    `This host fits ${lowest.seats} lab${lowest.seats === 1 ? "" : "s"}; ${NAMES[lowest.resource]} limits it ` +
    `(${amount(lowest.resource, lowest.available)} free, ${amount(lowest.resource, lowest.reserve)} kept for the host, ` +
    `${amount(lowest.resource, lowest.perLab)} per lab; ${others}).`;
  if (opts.requested !== undefined && !fits) {
    message +=
      ` ${opts.requested} seats were asked for: ${opts.requested - lowest.seats} more than fit. ` +
      `Lower --seats, free ${NAMES[lowest.resource]}, or pass figures measured on this host (npm run bench -- workshop).`;
  }
  return {
    seats: lowest.seats,
    limitedBy: lowest.resource,
    resources,
    ...(opts.requested !== undefined ? { requested: opts.requested } : {}),
    fits,
    message,
  };
}

function amount(resource: Resource, n: number): string {
  if (resource === "pids") return `${Math.max(0, n)} tasks`;
  return n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${Math.round(n / MiB)} MiB`;
}

/**
 * Reads the host's figures: `/proc` (a folder with the same layout in tests) and statfs of
 * `diskPath`, the folder Docker stores images and volumes in.
 */
export function readHostFigures(opts: { diskPath: string; procRoot?: string }): HostFigures {
  const proc = opts.procRoot ?? "/proc";
  const read = (file: string) => {
    try {
      return readFileSync(join(proc, file), "utf8");
    } catch (err) {
      throw unreadable(`${join(proc, file)} (${(err as Error).message})`);
    }
  };
  const kib = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(read("meminfo"))?.[1];
  if (kib === undefined) throw unreadable(`MemAvailable in ${join(proc, "meminfo")}`);
  const int = (file: string) => {
    const n = Number.parseInt(read(file).trim(), 10);
    if (!Number.isFinite(n) || n <= 0) throw unreadable(join(proc, file));
    return n;
  };
  const tasks = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(read("loadavg"))?.[1];
  if (tasks === undefined) throw unreadable(`the task count in ${join(proc, "loadavg")}`);
  let disk: number;
  try {
    const s = statfsSync(opts.diskPath);
    disk = s.bavail * s.bsize;
  } catch (err) {
    throw unreadable(`free space of ${opts.diskPath} (${(err as Error).message})`);
  }
  return {
    memAvailableBytes: Number(kib) * 1024,
    diskAvailableBytes: disk,
    pidLimit: Math.min(int("sys/kernel/pid_max"), int("sys/kernel/threads-max")),
    tasksNow: Number(tasks),
  };
}

function unreadable(what: string): DrydockError {
  return new DrydockError(ErrorCode.internal, `Could not read ${what} to plan the workshop's capacity.`, {
    hint: "The capacity check needs Linux's /proc; on another system pass --seats with --force and watch the host.",
  });
}
