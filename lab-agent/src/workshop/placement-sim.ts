import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { Footprint, type HostSpec, type LabFigures } from "./lab-figures.ts";

/**
 * A simulation, on paper, of a workshop's labs placed on several hosts (docs/workshop-beyond-one-host.md):
 * N learners join, labs are placed by a reservation per lab, labs go active and idle, hosts die
 * or fill up, lost labs are re-placed. Pure and deterministic: same inputs and seed, same report.
 * It places nothing for real.
 */

/** first-fit fills the first host before the next (fewer hosts, one failure hits more learners);
 * spread puts each lab on the emptiest host (a failure hits fewer). */
export const Strategy = z.enum(["first-fit", "spread"]);
export type Strategy = z.infer<typeof Strategy>;

export const Failure = z.discriminatedUnion("kind", [
  /** The host stops answering: every lab on it is lost. */
  z.strictObject({
    kind: z.literal("host-dies"),
    host: z.string().min(1),
    atMinute: z.number().int().min(1),
  }),
  /** "Now everybody build and deploy": a share of the learners go active at once for a while. */
  z.strictObject({
    kind: z.literal("surge"),
    atMinute: z.number().int().min(1),
    share: z.number().min(0).max(1),
    minutes: z.number().int().positive(),
  }),
]);
export type Failure = z.infer<typeof Failure>;

export const SimOptions = z.strictObject({
  seed: z.number().int().default(1),
  learners: z.number().int().positive(),
  strategy: Strategy.default("first-fit"),
  /**
   * How much each lab reserves when it is placed: idle + activeShare × (active − idle).
   * 0 admits on idle figures (most seats; hosts fill up when labs go active); 1 reserves a full
   * active budget per lab, as Educates' per-session resource budget does (fewest seats; never fills).
   */
  activeShare: z.number().min(0).max(1).default(0),
  /** CPU only slows down: labs may reserve up to (cores − reserve) × this many cores. */
  cpuOvercommit: z.number().min(1).default(4),
  /** Set aside on every host for its OS, dockerd and (on one of them) the agent. */
  hostReserve: Footprint.default({ memoryMiB: 2048, cpus: 0.25, pids: 2048, diskMiB: 8192 }),
  /** Labs pre-started with no learner (`--warm K`); kept topped up while there is room. */
  warm: z.number().int().nonnegative().default(0),
  /** Length of the event after everyone joined, one tick a minute. */
  minutes: z.number().int().nonnegative().default(120),
  /** Background activity: the share of labs active at a time, and how long a burst lasts. */
  background: z
    .strictObject({ share: z.number().min(0).max(0.95), meanActiveMinutes: z.number().positive() })
    .default({ share: 0.3, meanActiveMinutes: 10 }),
  failures: z.array(Failure).default([]),
  /** New labs one host brings up at once; later ones wait their turn. */
  startParallelism: z.number().int().positive().default(2),
  /** From a host's last answer to "dead": the agent pings each engine every 5 s, 3 misses. */
  detectSeconds: z.number().nonnegative().default(15),
});
export type SimOptions = z.input<typeof SimOptions>;
type Options = z.output<typeof SimOptions>;

export type LossCause = "host-died" | "memory" | "disk" | "pids";
const HARD: readonly ("memoryMiB" | "diskMiB" | "pids")[] = ["memoryMiB", "diskMiB", "pids"];
const CAUSE = { memoryMiB: "memory", diskMiB: "disk", pids: "pids" } as const;

export interface LostLab {
  learner: string;
  host: string;
  minute: number;
  cause: LossCause;
}
export interface ReplacedLab {
  learner: string;
  from: string;
  to: string;
  minute: number;
  /** Detection + waiting for room + start (or a warm lab's terminal). */
  recoverySeconds: number;
  warm: boolean;
}
export interface HostReport {
  name: string;
  alive: boolean;
  /** Labs that fit by reservation (the host check's answer). */
  seats: number;
  limitedBy: keyof Footprint;
  /** Learners' labs and warm labs at the end. */
  labs: number;
  warm: number;
  peakLabs: number;
  peakMemoryMiB: number;
  peakDiskMiB: number;
  peakPids: number;
  /** Peak CPU demand over the host's cores: above 1 everything on it runs slower. */
  peakCpuLoad: number;
  /** Minutes in which the host was over a hard limit and lost labs. */
  fullMinutes: number;
}
export interface SimReport {
  strategy: Strategy;
  activeShare: number;
  seed: number;
  learners: number;
  reservation: Footprint;
  seatsPlaced: number;
  /** Learners who were told "workshop full" at join. */
  turnedAway: number;
  joinedWarm: number;
  joinSeconds: { p50: number; p95: number; max: number };
  lost: LostLab[];
  replaced: ReplacedLab[];
  /** Learners whose lab was lost and who had none at the end. */
  stranded: string[];
  recoverySeconds: { p50: number; max: number } | undefined;
  hosts: HostReport[];
  assumptions: string[];
}

interface Lab {
  learner: string | undefined;
  active: boolean;
  /** Disk does not shrink when a lab goes idle: the images it built and pulled stay. */
  wasActive: boolean;
  forcedUntil: number;
}
interface Host {
  spec: HostSpec;
  alive: boolean;
  labs: Lab[];
  seats: number;
  limitedBy: keyof Footprint;
  peak: { labs: number; memoryMiB: number; diskMiB: number; pids: number; cpuLoad: number };
  fullMinutes: number;
  /** Labs this host is bringing up in the current minute, for the start queue. */
  starting: { minute: number; count: number };
}
interface Waiting {
  learner: string;
  from: string;
  lostAt: number;
}

/** What one lab reserves: idle plus a share of the way to active, per resource. */
export function reservationOf(figures: LabFigures, activeShare: number): Footprint {
  const idle = figures.idle.footprint;
  const active = figures.active.footprint;
  const mix = (k: keyof Footprint) => idle[k] + activeShare * Math.max(0, active[k] - idle[k]);
  return {
    memoryMiB: mix("memoryMiB"),
    cpus: mix("cpus"),
    pids: Math.ceil(mix("pids")),
    diskMiB: mix("diskMiB"),
  };
}

/** Seats a host has room for by each resource alone (CPU overcommitted: it only slows down). */
export function seatsByResource(
  host: HostSpec,
  reservation: Footprint,
  reserve: Footprint,
  cpuOvercommit: number,
): Record<keyof Footprint, number> {
  const room: Footprint = {
    memoryMiB: host.memoryMiB - reserve.memoryMiB,
    cpus: (host.cpus - reserve.cpus) * cpuOvercommit,
    pids: host.pids - reserve.pids,
    diskMiB: host.diskMiB - reserve.diskMiB,
  };
  const fit = (k: keyof Footprint) => {
    const per = reservation[k];
    return room[k] <= 0 ? 0 : per <= 0 ? Number.POSITIVE_INFINITY : Math.floor(room[k] / per + 1e-9);
  };
  return { memoryMiB: fit("memoryMiB"), cpus: fit("cpus"), pids: fit("pids"), diskMiB: fit("diskMiB") };
}

/** How many labs of this reservation a host can take, and which resource runs out first. */
export function hostSeats(
  host: HostSpec,
  reservation: Footprint,
  reserve: Footprint,
  cpuOvercommit: number,
): { seats: number; limitedBy: keyof Footprint } {
  const by = seatsByResource(host, reservation, reserve, cpuOvercommit);
  let best: { seats: number; limitedBy: keyof Footprint } = {
    seats: Number.POSITIVE_INFINITY,
    limitedBy: "memoryMiB",
  };
  for (const k of ["memoryMiB", "cpus", "pids", "diskMiB"] as const) {
    if (by[k] < best.seats) best = { seats: by[k], limitedBy: k };
  }
  return Number.isFinite(best.seats) ? best : { seats: 0, limitedBy: "memoryMiB" };
}

/** A small seeded PRNG (mulberry32): the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulate(hostSpecs: readonly HostSpec[], figures: LabFigures, input: SimOptions): SimReport {
  const opts: Options = SimOptions.parse(input);
  const names = new Set(hostSpecs.map((h) => h.name));
  if (hostSpecs.length === 0 || names.size !== hostSpecs.length) {
    throw new DrydockError(
      ErrorCode.usage,
      "The simulation needs at least one host, each with its own name.",
    );
  }
  for (const f of opts.failures) {
    if (f.kind === "host-dies" && !names.has(f.host)) {
      throw new DrydockError(
        ErrorCode.usage,
        `A failure names host "${f.host}", which is not one of the hosts.`,
        {
          hint: `Hosts: ${[...names].join(", ")}.`,
        },
      );
    }
  }
  const random = seededRandom(opts.seed);
  const reservation = reservationOf(figures, opts.activeShare);
  const idle = figures.idle.footprint;
  const active = figures.active.footprint;
  const { joinColdSeconds, joinWarmSeconds } = figures.timings;

  const hosts: Host[] = hostSpecs.map((spec) => ({
    spec,
    alive: true,
    labs: [],
    ...hostSeats(spec, reservation, opts.hostReserve, opts.cpuOvercommit),
    peak: { labs: 0, memoryMiB: 0, diskMiB: 0, pids: 0, cpuLoad: 0 },
    fullMinutes: 0,
    starting: { minute: -1, count: 0 },
  }));

  const fillRatio = (h: Host) => (h.seats === 0 ? Number.POSITIVE_INFINITY : h.labs.length / h.seats);
  const chooseHost = (exclude?: string): Host | undefined => {
    const open = hosts.filter((h) => h.alive && h.spec.name !== exclude && hasRoom(h));
    if (opts.strategy === "first-fit") return open[0];
    return open.reduce<Host | undefined>(
      (best, h) => (!best || fillRatio(h) < fillRatio(best) ? h : best),
      undefined,
    );
  };
  /** A seat by reservation, and room now: the agent reads the host's free memory, disk and pids before it starts a lab. */
  const hasRoom = (h: Host): boolean => {
    if (h.labs.length >= h.seats) return false;
    const use = usage(h);
    return HARD.every((k) => use[k] + idle[k] <= h.spec[k]);
  };
  /** Seconds until a lab started on `host` in `minute` answers: it waits for a start slot. */
  const startSeconds = (host: Host, minute: number): number => {
    if (host.starting.minute !== minute) host.starting = { minute, count: 0 };
    host.starting.count += 1;
    return Math.ceil(host.starting.count / opts.startParallelism) * joinColdSeconds;
  };
  const takeWarm = (learner: string, exclude?: string): Host | undefined => {
    for (const h of hosts) {
      if (!h.alive || h.spec.name === exclude) continue;
      const lab = h.labs.find((l) => l.learner === undefined);
      if (lab) {
        lab.learner = learner;
        return h;
      }
    }
    return undefined;
  };
  const topUpWarm = () => {
    const count = () =>
      hosts.reduce((n, h) => n + (h.alive ? h.labs.filter((l) => !l.learner).length : 0), 0);
    while (count() < opts.warm) {
      const h = chooseHost();
      if (!h) return;
      h.labs.push({ learner: undefined, active: false, wasActive: false, forcedUntil: 0 });
    }
  };

  // Minute 0: warm labs are up before the doors open; then everyone joins, in order.
  topUpWarm();
  const joinTimes: number[] = [];
  let seatsPlaced = 0;
  let turnedAway = 0;
  let joinedWarm = 0;
  for (let i = 1; i <= opts.learners; i++) {
    const learner = `learner-${String(i).padStart(3, "0")}`;
    if (takeWarm(learner)) {
      joinedWarm += 1;
      seatsPlaced += 1;
      joinTimes.push(joinWarmSeconds);
      continue;
    }
    const h = chooseHost();
    if (!h) {
      turnedAway += 1;
      continue;
    }
    h.labs.push({ learner, active: false, wasActive: false, forcedUntil: 0 });
    seatsPlaced += 1;
    joinTimes.push(startSeconds(h, 0));
  }
  topUpWarm();

  const lost: LostLab[] = [];
  const replaced: ReplacedLab[] = [];
  let waiting: Waiting[] = [];
  const loseLab = (h: Host, lab: Lab, minute: number, cause: LossCause) => {
    h.labs.splice(h.labs.indexOf(lab), 1);
    if (!lab.learner) return; // a warm lab: nobody loses work
    lost.push({ learner: lab.learner, host: h.spec.name, minute, cause });
    waiting.push({ learner: lab.learner, from: h.spec.name, lostAt: minute });
  };

  const share = opts.background.share;
  const pStop = Math.min(1, 1 / opts.background.meanActiveMinutes);
  const pStart = share === 0 ? 0 : Math.min(1, (pStop * share) / (1 - share));
  for (const h of hosts) recordPeaks(h);

  for (let minute = 1; minute <= opts.minutes; minute++) {
    for (const f of opts.failures) {
      if (f.atMinute !== minute) continue;
      if (f.kind === "host-dies") {
        const h = hosts.find((x) => x.spec.name === f.host) as Host;
        if (!h.alive) continue;
        h.alive = false;
        for (const lab of [...h.labs]) loseLab(h, lab, minute, "host-died");
      } else {
        const labs = hosts.flatMap((h) => (h.alive ? h.labs.filter((l) => l.learner) : []));
        for (const lab of shuffled(labs, random).slice(0, Math.round(labs.length * f.share))) {
          lab.forcedUntil = minute + f.minutes;
        }
      }
    }

    for (const h of hosts) {
      if (!h.alive) continue;
      for (const lab of h.labs) {
        if (!lab.learner) continue; // warm labs stay idle
        if (minute < lab.forcedUntil) lab.active = true;
        else lab.active = lab.active ? random() >= pStop : random() < pStart;
        lab.wasActive ||= lab.active;
      }
      // Over a hard limit: the biggest lab in that resource goes (ties drawn by lot) until it fits.
      let full = false;
      for (;;) {
        const use = usage(h);
        const over = HARD.find((k) => use[k] > h.spec[k]);
        if (!over || h.labs.length === 0) break;
        full = true;
        const size = (l: Lab) => footprintOf(l)[over];
        const biggest = Math.max(...h.labs.map(size));
        const candidates = h.labs.filter((l) => size(l) === biggest);
        loseLab(h, candidates[Math.floor(random() * candidates.length)] as Lab, minute, CAUSE[over]);
      }
      if (full) h.fullMinutes += 1;
      recordPeaks(h);
    }

    // Re-place lost labs: a warm lab first, else a new one; not back on the host that just lost it.
    const still: Waiting[] = [];
    for (const w of waiting) {
      const exclude = w.lostAt === minute ? w.from : undefined;
      const waited = Math.max(opts.detectSeconds, (minute - w.lostAt) * 60);
      const warmHost = takeWarm(w.learner, exclude);
      if (warmHost) {
        replaced.push({
          ...moved(w, warmHost, minute),
          recoverySeconds: waited + joinWarmSeconds,
          warm: true,
        });
        continue;
      }
      const h = chooseHost(exclude);
      if (!h) {
        still.push(w);
        continue;
      }
      h.labs.push({ learner: w.learner, active: false, wasActive: false, forcedUntil: 0 });
      replaced.push({
        ...moved(w, h, minute),
        recoverySeconds: waited + startSeconds(h, minute),
        warm: false,
      });
    }
    waiting = still;
    topUpWarm();
    for (const h of hosts) recordPeaks(h);
  }

  const recoveries = replaced.map((r) => r.recoverySeconds);
  return {
    strategy: opts.strategy,
    activeShare: opts.activeShare,
    seed: opts.seed,
    learners: opts.learners,
    reservation,
    seatsPlaced,
    turnedAway,
    joinedWarm,
    joinSeconds: {
      p50: percentile(joinTimes, 50),
      p95: percentile(joinTimes, 95),
      max: joinTimes.length ? Math.max(...joinTimes) : 0,
    },
    lost,
    replaced,
    stranded: waiting.map((w) => w.learner),
    recoverySeconds: recoveries.length
      ? { p50: percentile(recoveries, 50), max: Math.max(...recoveries) }
      : undefined,
    hosts: hosts.map((h) => ({
      name: h.spec.name,
      alive: h.alive,
      seats: h.seats,
      limitedBy: h.limitedBy,
      labs: h.labs.filter((l) => l.learner).length,
      warm: h.labs.filter((l) => !l.learner).length,
      peakLabs: h.peak.labs,
      peakMemoryMiB: Math.round(h.peak.memoryMiB),
      peakDiskMiB: Math.round(h.peak.diskMiB),
      peakPids: h.peak.pids,
      peakCpuLoad: Math.round(h.peak.cpuLoad * 100) / 100,
      fullMinutes: h.fullMinutes,
    })),
    assumptions: [
      "One tick is a minute; every learner joins at minute 0, in order; warm labs are up before that.",
      `Labs reserve idle + share × (active − idle) each (share ${opts.activeShare} here); memory, disk and pids are hard limits after a reserve of ${opts.hostReserve.memoryMiB} MiB, ${opts.hostReserve.diskMiB} MiB disk and ${opts.hostReserve.pids} pids per host; CPU may be reserved ${opts.cpuOvercommit}× over and only slows labs down.`,
      `Background: about ${Math.round(share * 100)}% of labs active at a time, bursts of ~${opts.background.meanActiveMinutes} min; warm labs stay idle. A lab that has been active keeps its active disk (built and pulled images stay); a re-placed lab starts idle and empty.`,
      "A host over memory, disk or pids loses labs, biggest first, until it fits (the OOM killer picks the biggest; on a full disk or pids cap the agent is assumed to stop the biggest lab to save the rest).",
      `A dead host is noticed after ${opts.detectSeconds} s; a new lab answers in ${joinColdSeconds} s, ${opts.startParallelism} at a time per host; a warm lab in ${joinWarmSeconds} s. A lost lab waits a minute at a time for room.`,
      "A lost lab's engines, images, swarm and registry content are gone; progress survives (the agent's store); the workspace survives only if it lives off the lab's host.",
    ],
  };

  function usage(h: Host): { memoryMiB: number; diskMiB: number; pids: number; cpus: number } {
    const use = { ...opts.hostReserve };
    for (const lab of h.labs) {
      const f = footprintOf(lab);
      use.memoryMiB += f.memoryMiB;
      use.diskMiB += f.diskMiB;
      use.pids += f.pids;
      use.cpus += f.cpus;
    }
    return use;
  }
  function footprintOf(lab: Lab): Footprint {
    const now = lab.active ? active : idle;
    return lab.wasActive ? { ...now, diskMiB: Math.max(now.diskMiB, active.diskMiB) } : now;
  }
  function recordPeaks(h: Host): void {
    if (!h.alive) return;
    const use = usage(h);
    const p = h.peak;
    p.labs = Math.max(p.labs, h.labs.length);
    p.memoryMiB = Math.max(p.memoryMiB, use.memoryMiB);
    p.diskMiB = Math.max(p.diskMiB, use.diskMiB);
    p.pids = Math.max(p.pids, use.pids);
    p.cpuLoad = Math.max(p.cpuLoad, use.cpus / h.spec.cpus);
  }
}

function moved(w: Waiting, to: Host, minute: number): Omit<ReplacedLab, "recoverySeconds" | "warm"> {
  return { learner: w.learner, from: w.from, to: to.spec.name, minute };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Nearest-rank percentile (p95 of 20 values is the 19th smallest); 0 for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** How many, the median, p95 and the largest, by nearest rank (all 0 for no values). */
export function summarize(values: readonly number[]): {
  count: number;
  p50: number;
  p95: number;
  max: number;
} {
  return {
    count: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    max: values.length ? Math.max(...values) : 0,
  };
}
