import type { LoadedExercise } from "../exercises/load-exercises.ts";
import { CHECKS } from "./check-registry.ts";
import type { ChangedAt } from "./check-result.ts";
import { CHECK_LABEL } from "./engine-reads.ts";

/**
 * When the lab last changed in a way each deliverable's check reads: the "changedAt" of the
 * check API (course/check-wire.ts). The live watcher feeds it what it sees (Docker events, the
 * images and workspace files it polls); the page marks a result taken before that as stale.
 * Kept in memory: after a restart the agent knows file and image times again at its first poll,
 * not the Docker events it missed.
 */

/** What one deliverable's check reads, as far as change times go. */
export interface WatchedDeliverable {
  block: string;
  deliverable: string;
  /** Docker event types (object kinds) whose events change what the check reads. */
  objects: ReadonlySet<string>;
  /** Image refs the check reads (polled: BuildKit tags images without an event). */
  images: readonly string[];
  /** Workspace files the check reads, relative to the workspace (polled by mtime). */
  files: readonly string[];
  /**
   * The objects it reads by name, when it names them: a container name, or a stack's prefix
   * (`reg-case_`) for its services, secrets and networks. Events of other objects of those kinds
   * do not count (a `docker run --rm busybox` does not make the api's SIGTERM result stale).
   */
  names: readonly string[];
}

/** Event types whose objects a check may name (a node or an image it does not). */
const NAMED_KINDS = new Set(["container", "service", "secret", "network", "config"]);

/** One Docker event line, as far as it is read here. */
export interface DockerEvent {
  Type?: string;
  Action?: string;
  time?: number;
  timeNano?: number;
  Actor?: { Attributes?: Record<string, string> };
}

/**
 * Event actions that change nothing a check reads: healthcheck and `docker exec` runs, attaching,
 * resizing a terminal, copying files out. (A healthcheck execs every interval: counting those
 * would make every result stale within seconds. Its `health_status` event comes only when the
 * status flips, and that is a change.)
 */
const QUIET_ACTION = /^(?:exec_(?:create|start|die|detach)|attach|detach|resize|top|archive-path|export)\b/;

/** Whether a Docker event may change what a check reads (not one of the checker's own, not a quiet action). */
export function isRelevantEvent(event: DockerEvent): boolean {
  if (event.Actor?.Attributes?.[CHECK_LABEL] !== undefined) return false;
  return !QUIET_ACTION.test(event.Action ?? "");
}

function namedBy(pattern: string, name: string): boolean {
  return pattern.endsWith("_") ? name.startsWith(pattern) : name === pattern;
}

/** When an event happened (engine time, ms), or `fallback` when it carries no time. */
function eventTime(event: DockerEvent, fallback: number): number {
  // timeNano is past 2^53: as a JSON number it is off by up to 256 ns, so round to the ms.
  if (typeof event.timeNano === "number") return Math.round(event.timeNano / 1e6);
  if (typeof event.time === "number") return event.time * 1000;
  return fallback;
}

type Listener = (block: string) => void;

export class ChangeTimes {
  private plan: WatchedDeliverable[] = [];
  /** block → deliverable → ms since epoch. */
  private readonly times = new Map<string, Map<string, number>>();
  private readonly images = new Map<string, string>();
  private readonly files = new Map<string, number>();
  private readonly listeners = new Set<Listener>();

  private readonly pending = new Map<string, NodeJS.Timeout>();

  /**
   * `coalesceMs`: a burst of changes (a stack deploy makes dozens of events) reaches subscribers
   * as one call per block, that long after the first (0: at once).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly coalesceMs = 250,
  ) {}

  /** What each deliverable reads; the times already known are kept. */
  setPlan(plan: WatchedDeliverable[]): void {
    this.plan = plan;
  }

  /** A Docker event: every deliverable watching its object kind changed at the event's time. */
  event(event: DockerEvent): void {
    if (!isRelevantEvent(event) || !event.Type) return;
    const at = eventTime(event, this.now());
    // Image events of a deliverable that names its images are left to the image poll: a pull of
    // an unrelated image does not make an image check's result stale.
    const type = event.Type;
    const name = event.Actor?.Attributes?.name ?? "";
    this.note(
      (w) =>
        w.objects.has(type) &&
        !(type === "image" && w.images.length > 0) &&
        !(NAMED_KINDS.has(type) && w.names.length > 0 && !w.names.some((n) => namedBy(n, name))),
      at,
    );
  }

  /**
   * The image id a tag points to now (`-` when absent), seen by a poll. A different id than the
   * last poll saw is a change; the first poll counts one only when `taggedAt` (the image's
   * Metadata.LastTagTime) says when, so a restart does not make every result stale.
   */
  image(ref: string, id: string, taggedAt?: string): void {
    const before = this.images.get(ref);
    this.images.set(ref, id);
    if (before === id) return;
    const tagged = taggedAt ? Date.parse(taggedAt) : Number.NaN;
    // A tag time before 2000 is Docker's zero time: the image was never tagged here.
    const known = Number.isFinite(tagged) && tagged > Date.UTC(2000, 0, 1);
    if (before === undefined && !known) return;
    const at = known ? Math.min(tagged, this.now()) : this.now();
    this.note((w) => w.images.includes(ref), at);
  }

  /** A workspace file's modification time (ms; NaN when it does not exist), seen by a poll. */
  file(path: string, mtimeMs: number): void {
    const before = this.files.get(path);
    this.files.set(path, mtimeMs);
    if (before !== undefined && (before === mtimeMs || (Number.isNaN(before) && Number.isNaN(mtimeMs))))
      return;
    // An existing file changed at its mtime; a deleted one when the poll saw it gone.
    const at = Number.isNaN(mtimeMs) ? (before === undefined ? undefined : this.now()) : mtimeMs;
    if (at !== undefined) this.note((w) => w.files.includes(path), at);
  }

  /** The lab as a whole changed (reset, taken down): every deliverable. */
  everything(at = this.now()): void {
    this.note(() => true, at);
  }

  /** Per deliverable of the block, when it last changed (ISO 8601). */
  changedAt(block: string): ChangedAt {
    const out: ChangedAt = {};
    for (const [id, ms] of this.times.get(block) ?? []) out[id] = new Date(ms).toISOString();
    return out;
  }

  /** Calls `listener(block)` whenever a change time of a block moves. Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private note(concerns: (w: WatchedDeliverable) => boolean, at: number): void {
    const moved = new Set<string>();
    for (const w of this.plan) {
      if (!concerns(w)) continue;
      let block = this.times.get(w.block);
      if (!block) {
        block = new Map();
        this.times.set(w.block, block);
      }
      if ((block.get(w.deliverable) ?? Number.NEGATIVE_INFINITY) >= at) continue;
      block.set(w.deliverable, at);
      moved.add(w.block);
    }
    for (const b of moved) this.tell(b);
  }

  private tell(block: string): void {
    if (this.coalesceMs === 0) {
      for (const listener of this.listeners) listener(block);
      return;
    }
    if (this.pending.has(block)) return;
    const timer = setTimeout(() => {
      this.pending.delete(block);
      for (const listener of this.listeners) listener(block);
    }, this.coalesceMs);
    timer.unref();
    this.pending.set(block, timer);
  }
}

/**
 * What each deliverable of these exercises reads. A check that declares `watches` (check engine
 * v2) says so itself; until then its `triggers` and the parameter names `image`, `dockerfile`
 * and `stackFile` tell.
 */
export function watchedDeliverables(exercises: readonly LoadedExercise[]): WatchedDeliverable[] {
  return exercises.flatMap((exercise) =>
    exercise.deliverables.map((d) => {
      const def = CHECKS.get(d.check.id) as unknown as Declared | undefined;
      const params = d.check.params as Record<string, unknown>;
      const strings = (...values: unknown[]) => values.filter((v): v is string => typeof v === "string");
      const base = {
        block: exercise.block,
        deliverable: d.id,
        names: [...strings(params.container), ...strings(params.stack).map((s) => `${s}_`)],
      };
      if (def?.watches) {
        // Watches see the params as the check does: parsed by its schema, defaults filled in.
        const parsed = (CHECKS.get(d.check.id)?.params.safeParse(params).data ?? params) as Record<
          string,
          unknown
        >;
        return {
          ...base,
          objects: new Set<string>(def.watches.objects),
          images: def.watches.images?.(parsed) ?? [],
          files: def.watches.files?.(parsed) ?? [],
        };
      }
      const triggers = new Set<string>(def?.triggers ?? []);
      return {
        ...base,
        objects: new Set([...triggers].filter((t) => t !== "workspace")),
        images: triggers.has("image") ? strings(params.image) : [],
        files: triggers.has("workspace") ? strings(params.dockerfile, params.stackFile) : [],
      };
    }),
  );
}

/** A check definition before or after `watches` replaced `triggers`. */
interface Declared {
  triggers?: readonly string[];
  watches?: {
    objects: readonly string[];
    images?: (params: unknown) => string[];
    files?: (params: unknown) => string[];
  };
}
