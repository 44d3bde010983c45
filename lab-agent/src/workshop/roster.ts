import { createHash, randomBytes, randomInt, timingSafeEqual } from "node:crypto";
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { withFileLock } from "../common/file-lock.ts";
import { AddressPool, DEFAULT_POOL, type PoolConfig } from "./address-pool.ts";
import {
  type JoinRequest,
  type LabCaps,
  type LabRecord,
  type LearnerId,
  type LearnerStatus,
  type RosterEntry,
  WorkshopEvent,
  WorkshopState,
} from "./event-schema.ts";

/**
 * The workshop's roster: who joined the event, with which seat and lab, and how they are doing.
 * The rules are pure functions of the state (`joinEvent`, `learnerStatus`, `extendEvent`, …);
 * `Roster` keeps the state in DRYDOCK_HOME/workshop/event.json, written atomically under a lock
 * so the CLI (`drydock workshop start|stop`) and the running agent never lose each other's writes.
 */

const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

// ---------- event codes

/** No 0/O, 1/I/L: a code is read off a projector and typed by a room. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/** 8 characters (about 40 bits) as XXXX-XXXX; wrong guesses are throttled by the join route too. */
export function newEventCode(): string {
  const pick = () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  const part = () => Array.from({ length: 4 }, pick).join("");
  return `${part()}-${part()}`;
}

/** A code is compared without case, spaces or dashes: "k7qf 3mzp" is K7QF-3MZP. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]+/g, "");
}

/** Constant time: both sides are hashed first, so neither length nor content leaks by timing. */
export function codeMatches(candidate: string, code: string): boolean {
  const a = createHash("sha256").update(normalizeCode(candidate)).digest();
  const b = createHash("sha256").update(normalizeCode(code)).digest();
  return timingSafeEqual(a, b);
}

/**
 * Wrong codes per caller (the remote address) and in all, per minute: a 40-bit code is not
 * guessed at this rate within a workshop's hours. A right code is never throttled.
 */
export class WrongCodeThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly perCaller = 10,
    private readonly overall = 100,
    private readonly windowMs = MINUTE,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `too-many` when the caller (or everyone together) failed too often lately. */
  check(caller: string): void {
    const t = this.now();
    let total = 0;
    for (const [key, times] of this.failures) {
      const recent = times.filter((at) => t - at < this.windowMs);
      if (recent.length) this.failures.set(key, recent);
      else this.failures.delete(key);
      total += recent.length;
    }
    if ((this.failures.get(caller)?.length ?? 0) >= this.perCaller || total >= this.overall) {
      throw new DrydockError(ErrorCode.tooMany, "Too many wrong event codes; wait a minute.", {
        hint: "Check the code the workshop lead shows, then try again in a minute.",
      });
    }
  }

  fail(caller: string): void {
    this.failures.set(caller, [...(this.failures.get(caller) ?? []), this.now()]);
  }
}

// ---------- events

export interface NewEventOptions {
  seats: number;
  code?: string;
  /** Absolute end; default: four hours from now (Play with Docker's hard expiry). */
  until?: number;
  warm?: number;
  reapGraceMinutes?: number;
  supervised?: boolean;
  /** Reap learners' labs after the grace period even in a supervised event. */
  reapSupervised?: boolean;
  stuckAfterMinutes?: number;
  idleAfterMinutes?: number;
  /** Caps on each node of a learner's lab; default learner-labs.ts DEFAULT_LAB_CAPS. */
  labCaps?: LabCaps;
}

export const DEFAULT_EVENT_HOURS = 4;

export function newEvent(opts: NewEventOptions, now: number): WorkshopEvent {
  const until = opts.until ?? now + DEFAULT_EVENT_HOURS * 60 * MINUTE;
  if (until <= now) {
    throw new DrydockError(ErrorCode.usage, `The event's end (${iso(until)}) is not in the future.`, {
      hint: "Pass --until as a later time (17:30), a length (90m, 2h) or a date-time with its zone.",
    });
  }
  const parsed = WorkshopEvent.safeParse({
    id: randomBytes(8).toString("hex"),
    code: opts.code ?? newEventCode(),
    seats: opts.seats,
    startedAt: iso(now),
    until: iso(until),
    warm: opts.warm ?? 0,
    reapGraceMinutes: opts.reapGraceMinutes ?? 15,
    supervised: opts.supervised ?? false,
    ...(opts.reapSupervised ? { reapSupervised: true } : {}),
    ...(opts.labCaps ? { labCaps: opts.labCaps } : {}),
    stuckAfterMinutes: opts.stuckAfterMinutes ?? 10,
    idleAfterMinutes: opts.idleAfterMinutes ?? 5,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DrydockError(
      ErrorCode.usage,
      `The workshop cannot start: ${issue?.path.join(".")}: ${issue?.message}.`,
    );
  }
  return parsed.data;
}

/** Joins are refused once the lead ended the event or its time is up. */
export function eventOver(event: WorkshopEvent, now: number): boolean {
  return event.endedAt !== undefined || Date.parse(event.until) <= now;
}

export function eventEnded(event: WorkshopEvent): DrydockError {
  const at = event.endedAt ?? event.until;
  return new DrydockError(ErrorCode.eventEnded, `This workshop ended at ${clock(at)}.`, {
    hint: event.endedAt
      ? "Ask the workshop lead whether a new event is starting."
      : "Ask the workshop lead: they can extend it.",
  });
}

export function wrongCode(): DrydockError {
  return new DrydockError(ErrorCode.unauthorized, "That event code is not right.", {
    hint: "Check the code the workshop lead shows (letters and digits; case and dashes do not matter).",
  });
}

export function workshopFull(seats: number): DrydockError {
  return new DrydockError(ErrorCode.workshopFull, `The workshop is full: all ${seats} seats are taken.`, {
    hint: "Tell the workshop lead: they can free a seat or run another event.",
  });
}

export function nameTaken(name: string): DrydockError {
  return new DrydockError(ErrorCode.conflict, `Someone in this workshop already goes by "${name}".`, {
    hint: "Pick another display name (add an initial, say).",
  });
}

/** Push the end back; an event whose time ran out reopens from now. An event the lead ended stays ended. */
export function extendEvent(state: WorkshopState, minutes: number, now: number): WorkshopState {
  if (state.event.endedAt) {
    throw new DrydockError(ErrorCode.eventEnded, `The workshop was ended at ${clock(state.event.endedAt)}.`, {
      hint: "Start a new one with `drydock workshop start`.",
    });
  }
  const from = Math.max(Date.parse(state.event.until), now);
  return { ...state, event: { ...state.event, until: iso(from + minutes * MINUTE) } };
}

export function endEvent(state: WorkshopState, now: number): WorkshopState {
  if (state.event.endedAt) return state;
  return { ...state, event: { ...state.event, endedAt: iso(now) } };
}

// ---------- learners

/** Names are unique per event by this key: "Ana  Lima" and "ana lima" are the same person. */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * A learner's lab id (lab-names.ts LabId), from their id: ws-<12 hex>. Learner ids are random per
 * event, so a lab (and its records in progress.db, keyed by lab) never carries over from an
 * earlier event's seat. A warm lab is started as ws-<id> of the learner id it will give.
 */
export function learnerLabId(id: LearnerId): string {
  return `ws-${id}`;
}

/** A new learner id: 12 random hex digits. */
export function newLearnerId(): LearnerId {
  return randomBytes(6).toString("hex");
}

export function credentialDigest(credential: string): string {
  return createHash("sha256").update(credential).digest("hex");
}

/**
 * Pure: the state with one more learner, on the lowest free seat. Throws (in this order)
 * event ended, wrong code, name taken, workshop full: the code is checked before anything
 * that would tell a stranger who is on the roster.
 */
export function joinEvent(
  state: WorkshopState,
  req: JoinRequest,
  credential: string,
  now: number,
  /** The id to give (a warm lab's, learner-labs.ts); a new random one otherwise. */
  presetId?: LearnerId,
): { state: WorkshopState; entry: RosterEntry } {
  const { event, roster } = state;
  if (eventOver(event, now)) throw eventEnded(event);
  if (!codeMatches(req.code, event.code)) throw wrongCode();
  const key = nameKey(req.name);
  if (roster.some((r) => nameKey(r.name) === key)) throw nameTaken(req.name);
  const used = new Set(roster.map((r) => r.seat));
  let seat = 1;
  while (used.has(seat)) seat++;
  if (seat > event.seats) throw workshopFull(event.seats);
  const id = presetId ?? newLearnerId();
  if (roster.some((r) => r.id === id)) {
    throw new DrydockError(ErrorCode.internal, `Learner id ${id} is already on the roster.`);
  }
  const entry: RosterEntry = {
    id,
    name: req.name,
    seat,
    lab: learnerLabId(id),
    credentialDigest: credentialDigest(credential),
    joinedAt: iso(now),
  };
  return { state: { ...state, roster: [...roster, entry] }, entry };
}

export interface LearnerView {
  id: LearnerId;
  name: string;
  seat: number;
  lab: string;
  status: LearnerStatus;
  joinedAt: string;
  lastActivityAt: string | null;
  lastProgressAt: string | null;
  /** Whole minutes since the last activity, or since joining when there was none. */
  idleMinutes: number;
  /** Whole minutes with no new passing deliverable (since joining when none passed yet). */
  minutesWithoutProgress: number;
  subnet: string | null;
}

/**
 * joined: nothing done since joining. idle: no activity for idleAfterMinutes. stuck: active,
 * but no progress for stuckAfterMinutes. active: the rest.
 */
export function learnerStatus(entry: RosterEntry, event: WorkshopEvent, now: number): LearnerStatus {
  if (!entry.lastActivityAt) return "joined";
  if (now - Date.parse(entry.lastActivityAt) >= event.idleAfterMinutes * MINUTE) return "idle";
  const progress = Date.parse(entry.lastProgressAt ?? entry.joinedAt);
  if (now - progress >= event.stuckAfterMinutes * MINUTE) return "stuck";
  return "active";
}

export function learnerView(entry: RosterEntry, event: WorkshopEvent, now: number): LearnerView {
  const since = (at: string) => Math.max(0, Math.floor((now - Date.parse(at)) / MINUTE));
  return {
    id: entry.id,
    name: entry.name,
    seat: entry.seat,
    lab: entry.lab,
    status: learnerStatus(entry, event, now),
    joinedAt: entry.joinedAt,
    lastActivityAt: entry.lastActivityAt ?? null,
    lastProgressAt: entry.lastProgressAt ?? null,
    idleMinutes: since(entry.lastActivityAt ?? entry.joinedAt),
    minutesWithoutProgress: since(entry.lastProgressAt ?? entry.joinedAt),
    subnet: entry.subnet ?? null,
  };
}

export type Touch = "activity" | "progress";

/** Pure: records activity (any request, terminal input) or progress (a deliverable newly passed, which is activity too). */
export function touchLearner(state: WorkshopState, id: LearnerId, kind: Touch, at: number): WorkshopState {
  const later = (a: string | undefined) => (a && Date.parse(a) >= at ? a : iso(at));
  return {
    ...state,
    roster: state.roster.map((r) =>
      r.id !== id
        ? r
        : {
            ...r,
            lastActivityAt: later(r.lastActivityAt),
            ...(kind === "progress" ? { lastProgressAt: later(r.lastProgressAt) } : {}),
          },
    ),
  };
}

export function noEvent(): DrydockError {
  return new DrydockError(ErrorCode.notFound, "There is no workshop running on this agent.", {
    hint: "The workshop lead starts one with `drydock workshop start --seats N`.",
  });
}

function clock(at: string): string {
  return new Date(at)
    .toISOString()
    .replace("T", " ")
    .replace(/:\d\d\.\d+Z$/, " UTC");
}

/** Subnets held by the event's labs, by lab id: each lab not removed, and learners' with no lab record. */
export function heldSubnets(state: WorkshopState): Record<string, string> {
  const labs = state.labs ?? [];
  const held: Record<string, string> = {};
  for (const r of state.roster) {
    if (r.subnet && !labs.some((l) => l.lab === r.lab)) held[r.lab] = r.subnet;
  }
  for (const l of labs) if (l.subnet && l.state !== "removed") held[l.lab] = l.subnet;
  return held;
}

// ---------- persistence

export function workshopDir(home: string): string {
  return join(home, "workshop");
}
export function eventPath(home: string): string {
  return join(workshopDir(home), "event.json");
}

/** Where a replaced event's file is kept: workshop/events/<id>.json. */
export function archivedPath(dir: string, eventId: string): string {
  return join(dir, "events", `${eventId}.json`);
}

export function readState(path: string): WorkshopState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw damaged(path, `not JSON (${(err as Error).message})`);
  }
  const parsed = WorkshopState.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw damaged(path, `${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

export function writeState(path: string, state: WorkshopState): void {
  writeTextAtomically(path, `${JSON.stringify(WorkshopState.parse(state), null, 2)}\n`);
}

/** Temp file, fsync, rename, 0600 in a 0700 folder: a crash leaves the old file or the new one, never half. */
export function writeTextAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  chmodSync(dirname(path), 0o700); // the lock may have created it first, with the umask's mode
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

function damaged(path: string, reason: string): DrydockError {
  return new DrydockError(ErrorCode.labState, `The workshop file ${path} is damaged: ${reason}.`, {
    hint: "Fix it from a backup, or move it away and start a new event (learners then join again).",
  });
}

export interface RosterOptions {
  now?: () => number;
  /** Buffered activity is written at most this often (activity is not worth a write per request). */
  flushMs?: number;
  pool?: PoolConfig;
  /** Called when a change had to wait for the file's lock (another process held it). */
  onLockWait?: () => void;
}

/**
 * The roster as the agent and the CLI use it. Every change is read-modify-write of the file
 * under a lock; activity touches are buffered in memory and written together (at most every
 * `flushMs`, and before any other change), so a crash loses at most that much of "last seen".
 * Reads re-load the file when it changed on disk (the CLI ended or started an event).
 */
export class Roster {
  readonly path: string;
  private readonly now: () => number;
  private readonly flushMs: number;
  private readonly pool: PoolConfig;
  private readonly onLockWait: (() => void) | undefined;
  private cached: { state: WorkshopState | undefined; stamp: string } | undefined;
  /** Touches not yet written. Learner ids are random per event, so one from a replaced event matches no one. */
  private pending = new Map<string, { activity?: number; progress?: number }>();
  private lastFlush = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(home: string, opts: RosterOptions = {}) {
    this.path = eventPath(home);
    this.now = opts.now ?? Date.now;
    this.flushMs = opts.flushMs ?? 30_000;
    this.pool = opts.pool ?? DEFAULT_POOL;
    this.onLockWait = opts.onLockWait;
  }

  /** The event and roster on disk (cached by mtime and size), with buffered activity merged in. */
  current(): WorkshopState | undefined {
    const state = this.load();
    return state ? this.merged(state) : undefined;
  }

  /** Refuses with "no workshop" when there is none. */
  require(): WorkshopState {
    const state = this.current();
    if (!state) throw noEvent();
    return state;
  }

  /** Starts an event; refuses while another is running. */
  async start(event: WorkshopEvent): Promise<WorkshopState> {
    return this.update((state) => {
      if (state && !eventOver(state.event, this.now())) {
        throw new DrydockError(ErrorCode.conflict, "A workshop is already running on this host.", {
          hint: `Stop it first with \`drydock workshop stop\` (code ${state.event.code}, ${state.roster.length} of ${state.event.seats} seats taken).`,
        });
      }
      // The previous event's roster is kept beside it: its results can still be exported.
      if (state) writeState(archivedPath(dirname(this.path), state.event.id), state);
      return { version: 1, event, roster: [], labs: [] };
    }, true);
  }

  /** A new learner; returns their entry and their credential (shown once, only its digest is kept). */
  async join(
    req: JoinRequest,
    opts: { id?: LearnerId } = {},
  ): Promise<{ entry: RosterEntry; credential: string; event: WorkshopEvent }> {
    const credential = randomBytes(32).toString("base64url");
    let entry: RosterEntry | undefined;
    const state = await this.update((s) => {
      if (!s) throw noEvent();
      const joined = joinEvent(s, req, credential, this.now(), opts.id);
      entry = joined.entry;
      return joined.state;
    });
    return { entry: entry as RosterEntry, credential, event: state.event };
  }

  /**
   * The learner a credential belongs to, in the current event; throws event-ended when the lead
   * ended it (the credential opens nothing from then on, and the page can say why). Compared as
   * SHA-256 of a 256-bit random value: no timing of the search says anything usable about another.
   */
  learnerFor(credential: string | undefined): RosterEntry | undefined {
    if (!credential) return undefined;
    const state = this.current();
    if (!state) return undefined;
    const digest = credentialDigest(credential);
    const entry = state.roster.find((r) => r.credentialDigest === digest);
    if (entry && state.event.endedAt) throw eventEnded(state.event);
    return entry;
  }

  /** Buffered: written with the next change, or when `flushMs` has passed since the last write. */
  touch(id: LearnerId, kind: Touch): Promise<void> {
    if (!this.load()) return Promise.resolve();
    const at = this.now();
    const p = this.pending.get(id) ?? {};
    p.activity = at;
    if (kind === "progress") p.progress = at;
    this.pending.set(id, p);
    // A failed write is retried with the next touch; the request that touched never waits on it.
    return at - this.lastFlush >= this.flushMs ? this.flush().catch(() => {}) : Promise.resolve();
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    // Nothing to write into when the event is gone: the touches go with it.
    await this.update((s) => s, false, true);
  }

  async extend(minutes: number): Promise<WorkshopEvent> {
    return (
      await this.update((s) => {
        if (!s) throw noEvent();
        return extendEvent(s, minutes, this.now());
      })
    ).event;
  }

  async end(): Promise<WorkshopState> {
    return this.update((s) => {
      if (!s) throw noEvent();
      return endEvent(s, this.now());
    });
  }

  /**
   * The learner's lab network from Drydock's pool, kept in their entry so it survives restarts.
   * `inUse`: subnets of the host's existing Docker networks (address-pool.ts subnetsOfNetworks).
   * The learner's lab record, when there is one, holds the same subnet.
   */
  async assignSubnet(id: LearnerId, inUse: readonly string[]): Promise<string> {
    const entry = this.require().roster.find((r) => r.id === id);
    if (!entry) throw new DrydockError(ErrorCode.notFound, `No learner ${id} on this workshop's roster.`);
    return this.assignLabSubnet(entry.lab, inUse);
  }

  /**
   * A lab's network from Drydock's pool (a warm lab has no learner yet), kept in its lab record
   * and in its learner's entry. Held: every lab not removed, and learners' subnets with no record.
   */
  async assignLabSubnet(lab: string, inUse: readonly string[]): Promise<string> {
    let subnet = "";
    await this.update((s) => {
      if (!s) throw noEvent();
      const labs = s.labs ?? [];
      const learner = s.roster.find((r) => r.lab === lab);
      if (!learner && !labs.some((l) => l.lab === lab)) {
        throw new DrydockError(ErrorCode.notFound, `No lab ${lab} in this workshop.`);
      }
      subnet = new AddressPool(this.pool, heldSubnets(s)).allocate(lab, inUse);
      return {
        ...s,
        roster: s.roster.map((r) => (r.lab === lab ? { ...r, subnet } : r)),
        labs: labs.map((l) => (l.lab === lab ? { ...l, subnet } : l)),
      };
    });
    return subnet;
  }

  /**
   * Changes the event's lab records under the lock: `fn` gets the state and returns the new list.
   * A learner's entry follows their lab's subnet.
   */
  async updateLabs(fn: (state: WorkshopState) => LabRecord[]): Promise<WorkshopState> {
    return this.update((s) => {
      if (!s) throw noEvent();
      const labs = fn(s);
      const subnets = new Map(labs.flatMap((l) => (l.subnet ? [[l.lab, l.subnet] as const] : [])));
      return {
        ...s,
        roster: s.roster.map((r) => {
          const subnet = subnets.get(r.lab);
          return subnet && subnet !== r.subnet ? { ...r, subnet } : r;
        }),
        labs,
      };
    });
  }

  /** Read-modify-write under the file's lock, buffered activity merged in. */
  private async update<S extends WorkshopState | undefined = WorkshopState>(
    fn: (state: WorkshopState | undefined) => S,
    replace = false,
    optional = false,
  ): Promise<S> {
    // One change at a time in this process (a room joining at once), each under the file's lock
    // against other processes: contending for the lock itself would cost its 1 s retry each time.
    const run = this.queue.then(() =>
      withFileLock(
        this.path,
        { maxWaitMs: 10_000, ...(this.onLockWait ? { onWait: this.onLockWait } : {}) },
        async () => {
          this.cached = undefined;
          const before = this.load();
          const next = fn(before && !replace ? this.merged(before) : before);
          if (next) writeState(this.path, next);
          else if (!optional) throw noEvent();
          this.pending.clear();
          this.lastFlush = this.now();
          this.cached = undefined;
          return next;
        },
      ),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  private merged(state: WorkshopState): WorkshopState {
    let s = state;
    for (const [id, p] of this.pending) {
      if (p.progress !== undefined) s = touchLearner(s, id, "progress", p.progress);
      if (p.activity !== undefined) s = touchLearner(s, id, "activity", p.activity);
    }
    return s;
  }

  private load(): WorkshopState | undefined {
    let stamp = "missing";
    try {
      const st = statSync(this.path);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {}
    if (this.cached?.stamp !== stamp) this.cached = { state: readState(this.path), stamp };
    return this.cached.state;
  }
}
