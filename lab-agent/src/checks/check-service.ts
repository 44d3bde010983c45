import { statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type Docker from "dockerode";
import type { LoadedExercise } from "../exercises/load-exercises.ts";
import { listExerciseBlocks, loadExercise } from "../exercises/load-exercises.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { ChangeTimes, watchedDeliverables } from "./change-times.ts";
import type { Trigger } from "./check-definition.ts";
import { CHECKS } from "./check-registry.ts";
import type { BlockRun, CheckResult } from "./check-result.ts";
import { CHECK_LABEL, inspectImage } from "./engine-reads.ts";
import { type LabAccess, openLab } from "./lab-access.ts";
import { runBlock } from "./run-checks.ts";
import { recordSwarmHistory } from "./swarm-history.ts";

/** Docker event types → the check triggers they may affect. */
const EVENT_TRIGGERS: Record<string, Trigger[]> = {
  image: ["image"],
  container: ["container"],
  service: ["service"],
  node: ["node"],
  secret: ["secret"],
  network: ["network"],
};
/** How often subscribers' blocks are looked up in the store (any process may have stored a run). */
const STORE_POLL_MS = 1000;
/** How soon the watchers are opened again after the lab was down or its engines went away. */
const REWATCH_MS = 5000;

/** Receives a block's latest result per deliverable whenever a run of it is stored. */
export type ResultsListener = (results: CheckResult[]) => void;

/** What the watchers look at for one block: the triggers of its snapshot checks, and what its checks read. */
interface BlockWatch {
  block: string;
  triggers: ReadonlySet<Trigger>;
  images: string[];
  files: string[];
}

/** Read once per watch, not per Docker event or poll: the exercise files do not change under a running agent. */
function watchPlan(): BlockWatch[] {
  return listExerciseBlocks().map((block) => {
    const deliverables = loadExercise(block).deliverables;
    const params = deliverables.map((d) => d.check.params as Record<string, unknown>);
    const strings = (values: unknown[]) => [
      ...new Set(values.filter((x): x is string => typeof x === "string")),
    ];
    const snapshots = deliverables
      .map((d) => CHECKS.get(d.check.id))
      .filter((def) => def !== undefined && def.kind !== "drill");
    return {
      block,
      triggers: new Set(snapshots.flatMap((def) => def?.triggers ?? [])),
      images: strings(params.map((p) => p.image)),
      files: strings(params.flatMap((p) => [p.dockerfile, p.stackFile])),
    };
  });
}

/**
 * The agent's side of checks: runs and stores them, records swarm history while the lab is
 * up, and re-runs a block's snapshot checks (debounced) after Docker events that concern them.
 * Drills (stop, crash, probe) run only when asked: they change the lab on purpose.
 */
export class CheckService {
  readonly store: ProgressStore;
  /** When the lab last changed, per deliverable (fed by the watchers below; served as `changedAt`). */
  readonly changes = new ChangeTimes();
  private lab: Promise<LabAccess> | undefined;
  private readonly stops: Array<() => void> = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<BlockRun>>();
  private watching = false;
  /** Bumped whenever watching stops, so a watch() still starting up knows it is stale. */
  private generation = 0;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly listeners = new Map<string, Set<ResultsListener>>();
  private storeTimer: NodeJS.Timeout | undefined;
  private seenRuns = new Map<string, number>();
  private plan: BlockWatch[] = [];

  constructor(private readonly opts: { docker: Docker; lab: string; home: string; debounceMs?: number }) {
    this.store = new ProgressStore(opts.home);
  }

  private access(): Promise<LabAccess> {
    this.lab ??= openLab(this.opts).catch((err) => {
      this.lab = undefined;
      throw err;
    });
    return this.lab;
  }

  exercise(block: string): LoadedExercise {
    return loadExercise(block);
  }

  /** Runs a block now (or joins the run in progress) and stores it. */
  run(block: string, trigger: string, onlySnapshots = false): Promise<BlockRun> {
    const key = `${block}:${onlySnapshots}`;
    const current = this.running.get(key);
    if (current) return current;
    const p = (async () => {
      const exercise = loadExercise(block);
      const only = onlySnapshots
        ? exercise.deliverables.filter((d) => CHECKS.get(d.check.id)?.kind !== "drill").map((d) => d.id)
        : undefined;
      const run = await runBlock({
        lab: await this.access(),
        exercise,
        history: this.store,
        ...(only ? { only } : {}),
      });
      this.store.saveRun(run, trigger);
      this.notify();
      return run;
    })().finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  /** Starts recording swarm history and watching events (once; later calls do nothing). */
  async watch(): Promise<void> {
    if (this.watching || this.closed) return;
    this.watching = true;
    clearTimeout(this.retry);
    const generation = ++this.generation;
    const lab = await this.access().catch(() => undefined);
    if (generation !== this.generation) return;
    if (!lab) {
      // No lab yet (or it is down): look again in a while.
      this.watching = false;
      this.retryLater();
      return;
    }
    this.plan = watchPlan();
    this.changes.setPlan(watchedDeliverables(listExerciseBlocks().map((b) => loadExercise(b))));
    this.stops.push(recordSwarmHistory(() => lab.engine("manager-1"), lab.lab, this.store));
    this.stops.push(this.pollFingerprints(lab));
    for (const role of ["laptop", "manager-1"] as EngineRole[]) {
      const engine = await lab.engine(role).catch(() => undefined);
      const stream = await engine?.getEvents({}).catch(() => undefined);
      if (!stream) continue;
      if (generation !== this.generation) {
        (stream as unknown as { destroy: () => void }).destroy();
        return;
      }
      // One JSON event per line; a line may arrive split across chunks, so read whole lines.
      createInterface({ input: stream }).on("line", (line) => this.onEvent(line));
      // The engine went away (lab down, reset or node rebuilt): watch again once it is back.
      stream.on("error", () => this.unwatch());
      stream.on("end", () => this.unwatch());
      this.stops.push(() => (stream as unknown as { destroy: () => void }).destroy());
    }
  }

  /** The lab was brought up, reset or taken down: drop its clients and watch it afresh. */
  labChanged(): void {
    this.unwatch(false);
    this.lab = undefined;
    void this.watch();
  }

  private unwatch(retry = true): void {
    if (!this.watching) return;
    this.watching = false;
    this.generation++;
    for (const stop of this.stops.splice(0)) stop();
    this.lab = undefined;
    if (retry) this.retryLater();
  }

  private retryLater(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.watch(), REWATCH_MS);
    this.retry.unref();
  }

  /**
   * Calls `listener` with the block's latest results each time a run of it is stored, by this
   * agent or by another process (`drydock check`). Returns the unsubscribe function.
   */
  subscribe(block: string, listener: ResultsListener): () => void {
    if (this.listeners.size === 0) {
      this.seenRuns = this.store.lastRuns(this.opts.lab);
      this.storeTimer = setInterval(() => this.notify(), STORE_POLL_MS);
      this.storeTimer.unref();
    }
    let set = this.listeners.get(block);
    if (!set) {
      set = new Set();
      this.listeners.set(block, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(block);
      if (this.listeners.size === 0) clearInterval(this.storeTimer);
    };
  }

  private notify(): void {
    if (this.listeners.size === 0) return;
    const now = this.store.lastRuns(this.opts.lab);
    for (const [block, set] of this.listeners) {
      const id = now.get(block);
      if (id === undefined || id === this.seenRuns.get(block)) continue;
      const results = this.store.latest(this.opts.lab, block);
      for (const listener of set) listener(results);
    }
    this.seenRuns = now;
  }

  /**
   * BuildKit tags the images it builds without an image event, and editing a Dockerfile makes
   * none at all: so the images and workspace files that checks read are also polled.
   */
  private pollFingerprints(lab: LabAccess, intervalMs = 3000): () => void {
    const last = new Map<string, string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      const laptop = await lab.engine("laptop").catch(() => undefined);
      for (const { block, images, files } of this.plan) {
        const ids = await Promise.all(
          images.map((ref) =>
            laptop
              ? inspectImage(laptop, ref).then(
                  (i) => {
                    const meta = (i as { Metadata?: { LastTagTime?: string } } | undefined)?.Metadata;
                    this.changes.image(ref, i?.Id ?? "-", meta?.LastTagTime);
                    return i?.Id ?? "-";
                  },
                  () => "?",
                )
              : "?",
          ),
        );
        const mtimes = files.map((f) => {
          try {
            const { mtimeMs } = statSync(join(lab.workspace, f));
            this.changes.file(f, mtimeMs);
            return String(mtimeMs);
          } catch {
            this.changes.file(f, Number.NaN);
            return "-";
          }
        });
        const print = [...ids, ...mtimes].join("|");
        if (last.has(block) && last.get(block) !== print) this.schedule(block);
        last.set(block, print);
      }
    };
    const loop = async () => {
      if (stopped) return;
      await tick().catch(() => {});
      if (!stopped) timer = setTimeout(loop, intervalMs);
    };
    void loop();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  private onEvent(line: string): void {
    if (!line.trim()) return;
    let event: { Type?: string; Actor?: { Attributes?: Record<string, string> } };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    this.changes.event(event);
    if (event.Actor?.Attributes?.[CHECK_LABEL] !== undefined) return;
    const triggers = EVENT_TRIGGERS[event.Type ?? ""] ?? [];
    for (const { block, triggers: concerns } of this.plan) {
      if (triggers.some((t) => concerns.has(t))) this.schedule(block);
    }
  }

  private schedule(block: string): void {
    if (this.closed) return;
    clearTimeout(this.pending.get(block));
    this.pending.set(
      block,
      setTimeout(() => {
        this.pending.delete(block);
        this.run(block, "event", true).catch(() => {});
      }, this.opts.debounceMs ?? 1500),
    );
  }

  close(): void {
    this.closed = true;
    this.unwatch(false);
    clearTimeout(this.retry);
    clearInterval(this.storeTimer);
    this.listeners.clear();
    for (const t of this.pending.values()) clearTimeout(t);
    this.store.close();
  }
}
