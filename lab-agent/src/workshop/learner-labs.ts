import { join } from "node:path";
import { DrydockError, ErrorCode, errorMessage, toDrydockError } from "../common/errors.ts";
import { LogTail } from "../common/progress.ts";
import type { LabId } from "../lab/lab-names.ts";
import { LAB_FIGURES } from "./capacity.ts";
import type {
  LabCaps,
  LabRecord,
  LearnerId,
  RosterEntry,
  WorkshopEvent,
  WorkshopState,
} from "./event-schema.ts";
import { eventOver, learnerLabId, learnerStatus, newLearnerId, type Roster, workshopDir } from "./roster.ts";
import { type ProgressSource, withProgress } from "./roster-view.ts";

/**
 * Each learner's own lab: provisioned in the background when they join (join answers at once),
 * retried once when it fails to start, then reported failed with its log tail; a warm pool of
 * pre-started labs handed to the next joiners; reaping of a lab whose learner left, and of every
 * lab when the event is over. The lab records live in the roster's file (event.json `labs`), so
 * the CLI (`drydock workshop stop`), the lead's roster and a restarted agent all see them.
 *
 * Starting and removing a lab is the `LabStarter`'s (the real one is docker-lab-starter.ts), and
 * time is `now`: the state machine here is tested with fakes of both.
 */

const MINUTE = 60_000;

/** What one start of a lab needs: its id, where it lives, its network and its caps. */
export interface LabStartRequest {
  lab: LabId;
  /**
   * DRYDOCK_HOME: the lab's settings (labs/<lab>.json, unique by lab id) and the host's shared
   * offline npm cache for the starter app, which every learner's workspace is seeded from.
   */
  home: string;
  /** The learner's own folder, under the event's (learnerLabHome): mounted at /workspace on laptop. */
  workspace: string;
  subnet: string;
  caps: LabCaps;
  /** The start's own log (progress lines), kept as the tail a failure is reported with. */
  log: (line: string) => void;
}

export interface LabStarter {
  /** Brings the lab up; throws (a DrydockError, ideally with `details`) when it does not start. */
  up(req: LabStartRequest): Promise<void>;
  /** Removes everything labelled with the lab, and its settings in `home`; nothing left is not an error. */
  down(lab: LabId, home: string): Promise<void>;
  /** IPv4 subnets of the host's existing Docker networks, which the pool avoids. */
  subnetsInUse(): Promise<string[]>;
}

/** A ceiling per node: the lab's whole planning figure (capacity.ts), one CPU. */
export const DEFAULT_LAB_CAPS: LabCaps = {
  memoryBytes: Math.max(256 * 1024 ** 2, LAB_FIGURES.memoryBytes),
  nanoCpus: 1e9,
  pidsLimit: Math.max(256, LAB_FIGURES.pids),
};

/** Lines of a failed start's log kept in its record. */
export const LOG_TAIL_LINES = 40;
/** Starts at once: each is five containers and four engines booting, on a host with few CPUs. */
export const DEFAULT_CONCURRENCY = 2;

/**
 * DRYDOCK_HOME/workshop/events/<event>/labs/<lab>: the learner's own folder, their workspace inside
 * (and with it each node's shell history, node-history.ts). Kept when the lab is removed.
 */
export function learnerLabHome(home: string, eventId: string, lab: LabId): string {
  return join(workshopDir(home), "events", eventId, "labs", lab);
}

export function learnerWorkspace(labHome: string): string {
  return join(labHome, "workspace");
}

/** May a learner's lab be reaped in this event at all? Not in a supervised one, unless asked. */
export function reapingAllowed(event: WorkshopEvent): boolean {
  return !event.supervised || event.reapSupervised === true;
}

/**
 * Pure: is this learner's lab due for reaping at `now`? They left (the roster says idle, or still
 * only "joined") and their last activity (or their joining) is at least the grace period ago.
 */
export function dueForReaping(entry: RosterEntry, event: WorkshopEvent, now: number): boolean {
  if (!reapingAllowed(event)) return false;
  const status = learnerStatus(entry, event, now);
  if (status !== "idle" && status !== "joined") return false;
  const last = Date.parse(entry.lastActivityAt ?? entry.joinedAt);
  return now - last >= event.reapGraceMinutes * MINUTE;
}

/** What a learner is told of their lab (GET /api/workshop/me): its state in plain words, no log. */
export function learnerLabView(record: LabRecord | undefined, event: WorkshopEvent) {
  if (!record) {
    return { state: "none" as const, since: null, message: "No lab is being started for you on this host." };
  }
  const base = { id: record.lab, state: record.state, since: record.since };
  switch (record.state) {
    case "provisioning":
      return {
        ...base,
        message:
          record.attempts > 1
            ? "Your lab did not start the first time; starting it again."
            : "Your lab is starting (about a minute).",
      };
    case "ready":
      return { ...base, message: "Your lab is ready." };
    case "failed":
      return {
        ...base,
        message: "Your lab could not be started (it was tried twice). The workshop lead sees why.",
        error: record.error ?? "unknown error",
        // Their own lab's start log: what the join page shows under the error.
        logTail: record.logTail ?? null,
        hint: "Ask the workshop lead, or try again: POST /api/workshop/lab.",
      };
    case "removed":
      return {
        ...base,
        message:
          record.removedBecause === "reaped"
            ? `Your lab was removed after ${event.reapGraceMinutes} minutes without activity; your workspace files are kept.`
            : "Your lab was removed: the workshop is over.",
        ...(record.removedBecause === "reaped" ? { hint: "Start it again: POST /api/workshop/lab." } : {}),
      };
  }
}

export interface LearnerLabsOptions {
  roster: Roster;
  /** DRYDOCK_HOME: labs live under its workshop/events/<event>/labs/. */
  home: string;
  starter: LabStarter;
  now?: () => number;
  concurrency?: number;
  /** Practice in each lab (progress.db), which is activity for reaping as it is on the roster. */
  progress?: ProgressSource;
  /** Where failures to reap or record go (the agent's log). */
  warn?: (message: string, fields?: Record<string, unknown>) => void;
}

export class LearnerLabs {
  private readonly roster: Roster;
  private readonly home: string;
  private readonly starter: LabStarter;
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly progress: ProgressSource | undefined;
  private readonly warn: (message: string, fields?: Record<string, unknown>) => void;
  /** Starts and removals running in this process, by lab. */
  private readonly inFlight = new Map<LabId, Promise<void>>();
  /** Warm labs promised to a join that has not been written yet. */
  private readonly claimed = new Set<LabId>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(opts: LearnerLabsOptions) {
    this.roster = opts.roster;
    this.home = opts.home;
    this.starter = opts.starter;
    this.now = opts.now ?? Date.now;
    this.concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
    this.progress = opts.progress;
    this.warn = opts.warn ?? (() => {});
  }

  /**
   * The learner id to give the next joiner when a warm lab waits for one (a ready one first):
   * their lab is then `ws-<id>`, already started. Hand it back with `unclaim` if the join fails.
   */
  claimWarm(): LearnerId | undefined {
    const state = this.roster.current();
    if (!state || eventOver(state.event, this.now())) return undefined;
    const free = unclaimedWarm(state).filter((l) => !this.claimed.has(l.lab) && l.state !== "failed");
    // (unclaimedWarm leaves out labs a learner on the roster has, written or not yet in the record)
    const pick = free.find((l) => l.state === "ready") ?? free[0];
    if (!pick) return undefined;
    this.claimed.add(pick.lab);
    return pick.lab.slice("ws-".length);
  }

  unclaim(id: LearnerId): void {
    this.claimed.delete(learnerLabId(id));
  }

  /**
   * After a join: the learner's lab record is written (a claimed warm lab becomes theirs), then
   * its start runs in the background: `started` is that work (tests await it; join does not).
   */
  async joined(entry: RosterEntry): Promise<{ started: Promise<void> }> {
    const lab = entry.lab;
    try {
      await this.roster.updateLabs((s) => {
        const labs = s.labs ?? [];
        return labs.some((l) => l.lab === lab)
          ? labs.map((l) => (l.lab === lab ? { ...l, learner: entry.id } : l))
          : this.inFlight.has(lab)
            ? labs
            : [...labs, pendingRecord(lab, entry.id, this.now())];
      });
    } finally {
      this.claimed.delete(lab);
    }
    // A warm lab already up (or starting) is theirs now; anything else starts now.
    const record = this.record(lab);
    if (record?.state === "ready" || this.inFlight.has(lab)) {
      void this.tick().catch(() => {}); // the warm pool lost one: start its replacement
      return { started: this.inFlight.get(lab) ?? Promise.resolve() };
    }
    return { started: this.provision(lab, entry.id, true) };
  }

  /** The learner asks for their lab again (it was reaped, or failed): a fresh start. */
  async restart(entry: RosterEntry): Promise<LabRecord> {
    const record = this.record(entry.lab);
    if (record && (record.state === "provisioning" || record.state === "ready")) return record;
    void this.provision(entry.lab, entry.id, true);
    return this.record(entry.lab) ?? pendingRecord(entry.lab, entry.id, this.now());
  }

  /**
   * The lead resets a learner's lab (the dashboard's "reset lab"): it is removed (its workspace
   * is kept) and started afresh, in the background; the record says provisioning at once.
   * Refused (conflict) while the lab is starting or being removed.
   */
  async reset(entry: RosterEntry): Promise<{ record: LabRecord; done: Promise<void> }> {
    const lab = entry.lab;
    if (this.inFlight.has(lab)) {
      throw new DrydockError(ErrorCode.conflict, "That lab is starting or being removed right now.", {
        hint: "Wait until the dashboard shows it ready or failed, then reset it.",
      });
    }
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const work = (async () => {
      await gate;
      await this.starter.down(lab, this.home);
      await this.withSlot(() => this.provisionNow(lab, entry.id, true));
    })()
      .catch((err) => this.warn(`workshop lab ${lab} was not reset: ${errorMessage(err)}`, { lab }))
      .finally(() => {
        this.inFlight.delete(lab);
      });
    // Held before the record is written, so no round starts or reaps it meanwhile.
    this.inFlight.set(lab, work);
    try {
      await this.patch(lab, () => pendingRecord(lab, entry.id, this.now()));
    } finally {
      release();
    }
    return { record: this.record(lab) ?? pendingRecord(lab, entry.id, this.now()), done: work };
  }

  /**
   * One round of the periodic duties: every lab removed once the event is over; learners' labs
   * whose learner left for the grace period reaped; records a stopped agent left mid-start
   * started again; learners with no lab given one; the warm pool topped up.
   */
  tick(): Promise<void> {
    // One round at a time: a round that takes longer than the interval is not overlapped.
    this.ticking ??= this.round().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Runs `tick` every `intervalMs` (unref'd: it never keeps the process alive). */
  start(intervalMs = 30_000): void {
    if (this.timer) return;
    void this.tick().catch((err) => this.warn(`workshop labs: ${errorMessage(err)}`));
    this.timer = setInterval(() => {
      void this.tick().catch((err) => this.warn(`workshop labs: ${errorMessage(err)}`));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves once nothing started here is still running (tests; the agent before it exits). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0 || this.ticking) {
      await Promise.allSettled([...this.inFlight.values(), this.ticking]);
    }
  }

  private async round(): Promise<void> {
    const raw = this.roster.current();
    if (!raw) return;
    const now = this.now();
    const state = this.progress ? withProgress(raw, this.progress).state : raw;
    const { event } = state;
    const labs = state.labs ?? [];
    if (eventOver(event, now)) {
      await Promise.all(
        labs
          .filter((l) => l.state !== "removed" && !this.inFlight.has(l.lab))
          .map((l) => this.remove(l.lab, "event-ended")),
      );
      return;
    }
    for (const l of labs) {
      if (this.inFlight.has(l.lab)) continue;
      const entry = l.learner ? state.roster.find((r) => r.id === l.learner) : undefined;
      if (entry && (l.state === "ready" || l.state === "failed") && dueForReaping(entry, event, now)) {
        void this.remove(l.lab, "reaped");
      } else if (l.state === "provisioning") {
        // Left mid-start by an agent that stopped: start it again from where it is.
        void this.provision(l.lab, l.learner, false);
      }
    }
    for (const r of state.roster) {
      if (!labs.some((l) => l.lab === r.lab) && !this.inFlight.has(r.lab))
        void this.provision(r.lab, r.id, true);
    }
    // The warm pool: `warm` labs nobody has yet, while seats are left for them.
    const warmNow = unclaimedWarm(state).length;
    const seatsLeft = event.seats - state.roster.length;
    const wanted = Math.min(event.warm, seatsLeft) - warmNow;
    for (let i = 0; i < wanted; i++) {
      const lab = learnerLabId(newLearnerId());
      await this.roster.updateLabs((s) => [...(s.labs ?? []), pendingRecord(lab, undefined, this.now())]);
      void this.provision(lab, undefined, false);
    }
  }

  private record(lab: LabId): LabRecord | undefined {
    return this.roster.current()?.labs?.find((l) => l.lab === lab);
  }

  /** Starts `lab` (once at a time per lab): a fresh record when `fresh`, two tries, then failed. */
  private provision(lab: LabId, learner: LearnerId | undefined, fresh: boolean): Promise<void> {
    const running = this.inFlight.get(lab);
    if (running) return running;
    const work = this.withSlot(() => this.provisionNow(lab, learner, fresh))
      .catch((err) => this.warn(`workshop lab ${lab}: ${errorMessage(err)}`, { lab }))
      .finally(() => {
        this.inFlight.delete(lab);
      });
    this.inFlight.set(lab, work);
    return work;
  }

  private async provisionNow(lab: LabId, learner: LearnerId | undefined, fresh: boolean): Promise<void> {
    const before = this.roster.current();
    if (!before || eventOver(before.event, this.now())) return;
    const eventId = before.event.id;
    const caps = before.event.labCaps ?? DEFAULT_LAB_CAPS;
    await this.patch(lab, (l) => ({
      ...(fresh || !l ? pendingRecord(lab, learner ?? l?.learner, this.now()) : l),
      state: "provisioning",
    }));
    let subnet: string;
    try {
      subnet = await this.roster.assignLabSubnet(lab, await this.starter.subnetsInUse());
    } catch (err) {
      // No network for it (the pool is used up): retrying the start would not help.
      await this.fail(lab, toDrydockError(err), "");
      return;
    }
    const workspace = learnerWorkspace(learnerLabHome(this.home, eventId, lab));
    let last: DrydockError | undefined;
    let tail = new LogTail(LOG_TAIL_LINES);
    for (let attempt = 1; attempt <= 2; attempt++) {
      const now = this.roster.current();
      if (!now || now.event.id !== eventId || eventOver(now.event, this.now())) break;
      await this.patch(lab, (l) => ({ ...(l as LabRecord), state: "provisioning", attempts: attempt }));
      tail = new LogTail(LOG_TAIL_LINES);
      try {
        await this.starter.up({
          lab,
          home: this.home,
          workspace,
          subnet,
          caps,
          log: (line) => tail.push(line),
        });
        last = undefined;
        break;
      } catch (err) {
        last = toDrydockError(err);
        tail.push(`start ${attempt} failed: ${last.message}`);
        if (attempt === 1) {
          // The second try starts clean: whatever half of the lab the first left goes first.
          await this.starter
            .down(lab, this.home)
            .catch((e) => tail.push(`cleanup failed: ${errorMessage(e)}`));
        }
      }
    }
    const after = this.roster.current();
    if (!after || after.event.id !== eventId || eventOver(after.event, this.now())) {
      // The event ended (or was replaced) while this lab started: it goes at once.
      await this.starter.down(lab, this.home).catch(() => {});
      if (after?.event.id === eventId) await this.markRemoved(lab, "event-ended");
      return;
    }
    if (last) {
      await this.fail(lab, last, tail.toString());
      return;
    }
    await this.patch(lab, (l) => ({
      ...withoutFailure(l as LabRecord),
      state: "ready",
      since: iso(this.now()),
    }));
  }

  private async fail(lab: LabId, err: DrydockError, tail: string): Promise<void> {
    const logTail = [tail, err.details ?? ""].filter(Boolean).join("\n");
    await this.patch(lab, (l) => ({
      ...(l as LabRecord),
      state: "failed",
      since: iso(this.now()),
      error: err.message.slice(0, 4000),
      ...(logTail ? { logTail: logTail.slice(-16_000) } : {}),
    }));
    this.warn(`workshop lab ${lab} did not start: ${err.message}`, { lab });
  }

  private remove(lab: LabId, because: "reaped" | "event-ended"): Promise<void> {
    const running = this.inFlight.get(lab);
    if (running) return running;
    const work = (async () => {
      await this.starter.down(lab, this.home);
      await this.markRemoved(lab, because);
    })()
      .catch((err) => this.warn(`workshop lab ${lab} was not removed: ${errorMessage(err)}`, { lab }))
      .finally(() => {
        this.inFlight.delete(lab);
      });
    this.inFlight.set(lab, work);
    return work;
  }

  private markRemoved(lab: LabId, because: "reaped" | "event-ended"): Promise<unknown> {
    return this.patch(lab, (l) => ({
      ...withoutFailure(l as LabRecord),
      state: "removed",
      since: iso(this.now()),
      removedBecause: because,
    }));
  }

  /** Read-modify-write of one lab's record (created when `fn` is given none and returns one). */
  private patch(lab: LabId, fn: (record: LabRecord | undefined) => LabRecord): Promise<WorkshopState> {
    return this.roster.updateLabs((s) => {
      const labs = s.labs ?? [];
      const current = labs.find((l) => l.lab === lab);
      const next = fn(current);
      return current ? labs.map((l) => (l.lab === lab ? next : l)) : [...labs, next];
    });
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** Warm labs no learner has yet (in the record or on the roster), that are not removed. */
export function unclaimedWarm(state: WorkshopState): LabRecord[] {
  const taken = new Set(state.roster.map((r) => r.lab));
  return (state.labs ?? []).filter((l) => !l.learner && !taken.has(l.lab) && l.state !== "removed");
}

function pendingRecord(lab: LabId, learner: LearnerId | undefined, now: number): LabRecord {
  return {
    lab,
    ...(learner ? { learner } : {}),
    state: "provisioning",
    attempts: 0,
    since: iso(now),
  };
}

function withoutFailure(l: LabRecord): LabRecord {
  const { error: _e, logTail: _t, removedBecause: _r, ...rest } = l;
  return rest;
}

const iso = (ms: number) => new Date(ms).toISOString();
