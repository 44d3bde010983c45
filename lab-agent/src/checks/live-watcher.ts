import { statSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { listExerciseBlocks, loadExercise } from "../exercises/load-exercises.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { type ChangeTimes, isRelevantEvent, watchedDeliverables } from "./change-times.ts";
import type { Trigger } from "./check-definition.ts";
import { CHECKS } from "./check-registry.ts";
import type { CheckRunner } from "./check-runner.ts";
import { recordSwarmHistory, type SwarmHistory } from "./collectors/swarm-history.ts";
import { inspectImage } from "./engine-reads.ts";
import type { LabAccess } from "./lab-access.ts";

/** Docker event types (`Type` of `GET /events`) → the object kinds checks watch. */
const EVENT_OBJECTS: Record<string, Trigger> = {
  image: "image",
  container: "container",
  service: "service",
  node: "node",
  secret: "secret",
  network: "network",
};
/** How soon the watchers are opened again after the lab was down or its engines went away. */
const REWATCH_MS = 5000;
/** The engines whose events concern checks: laptop (build, run) and manager-1 (the swarm). */
const EVENT_ENGINES: EngineRole[] = ["laptop", "manager-1"];

/** What the watchers look at for one block: what its snapshot and history checks declare they watch. */
export interface BlockWatch {
  block: string;
  objects: ReadonlySet<Trigger>;
  images: string[];
  files: string[];
}

/**
 * Read once per watch, not per Docker event or poll (the exercise files do not change under a
 * running agent). Probes are left out: they run only when asked, so nothing re-runs them.
 */
export function watchPlan(blocks: readonly string[] = listExerciseBlocks()): BlockWatch[] {
  return blocks.map((block) => {
    const objects = new Set<Trigger>();
    const images = new Set<string>();
    const files = new Set<string>();
    for (const d of loadExercise(block).deliverables) {
      const def = CHECKS.get(d.check.id);
      if (!def || def.kind === "probe") continue;
      const params = def.params.safeParse(d.check.params);
      if (!params.success) continue;
      for (const o of def.watches.objects) objects.add(o);
      for (const i of def.watches.images?.(params.data) ?? []) images.add(i);
      for (const f of def.watches.files?.(params.data) ?? []) files.add(f);
    }
    return { block, objects, images: [...images], files: [...files] };
  });
}

/**
 * The blocks a Docker event (one line of `GET /events`) concerns; none for Drydock's own probes
 * or for actions that change nothing a check reads (healthcheck execs). Change times hear it too.
 */
export function blocksForEvent(plan: readonly BlockWatch[], line: string, changes?: ChangeTimes): string[] {
  if (!line.trim()) return [];
  let event: { Type?: string; Action?: string; Actor?: { Attributes?: Record<string, string> } };
  try {
    event = JSON.parse(line);
  } catch {
    return [];
  }
  changes?.event(event);
  if (!isRelevantEvent(event)) return [];
  const kind = EVENT_OBJECTS[event.Type ?? ""];
  return kind ? plan.filter((w) => w.objects.has(kind)).map((w) => w.block) : [];
}

/**
 * While the lab is up: records swarm history, and re-runs a block's snapshot and history checks
 * (debounced) after Docker events that concern them, or when an image or workspace file they
 * watch changes. Re-opens itself after the lab went away.
 */
export class LiveWatcher {
  private readonly stops: Array<() => void> = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private watching = false;
  /** Bumped whenever watching stops, so a watch() still starting up knows it is stale. */
  private generation = 0;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private plan: BlockWatch[] = [];

  constructor(
    private readonly runner: CheckRunner,
    private readonly history: SwarmHistory,
    private readonly changes: ChangeTimes,
    private readonly opts: { debounceMs?: number; pollMs?: number } = {},
  ) {}

  /** Starts recording swarm history and watching events (once; later calls do nothing). */
  async watch(): Promise<void> {
    if (this.watching || this.closed) return;
    this.watching = true;
    clearTimeout(this.retry);
    const generation = ++this.generation;
    const lab = await this.runner.access().catch(() => undefined);
    if (generation !== this.generation) return;
    if (!lab) {
      // No lab yet (or it is down): look again in a while.
      this.watching = false;
      this.retryLater();
      return;
    }
    this.plan = watchPlan();
    this.changes.setPlan(watchedDeliverables(listExerciseBlocks().map((b) => loadExercise(b))));
    this.stops.push(recordSwarmHistory(() => lab.engine("manager-1"), lab.lab, this.history));
    this.stops.push(this.pollFingerprints(lab));
    for (const role of EVENT_ENGINES) {
      const engine = await lab.engine(role).catch(() => undefined);
      const stream = await engine?.getEvents({}).catch(() => undefined);
      if (!stream) continue;
      const destroy = () => (stream as unknown as { destroy: () => void }).destroy();
      if (generation !== this.generation) {
        destroy();
        return;
      }
      // One JSON event per line; a line may arrive split across chunks, so read whole lines.
      const lines = createInterface({ input: stream }).on("line", (line) => {
        for (const block of blocksForEvent(this.plan, line, this.changes)) this.schedule(block);
      });
      // The engine went away (lab down, reset or node rebuilt): watch again once it is back.
      // readline re-emits its input's error ("aborted") on itself: unheard, it would end the agent.
      lines.on("error", () => this.unwatch());
      stream.on("error", () => this.unwatch());
      stream.on("end", () => this.unwatch());
      this.stops.push(destroy);
    }
  }

  /** The lab was brought up, reset or taken down: drop its clients and watch it afresh. */
  labChanged(): void {
    this.unwatch(false);
    this.runner.forget();
    void this.watch();
  }

  private unwatch(retry = true): void {
    if (!this.watching) return;
    this.watching = false;
    this.generation++;
    for (const stop of this.stops.splice(0)) stop();
    this.runner.forget();
    if (retry) this.retryLater();
  }

  private retryLater(): void {
    if (this.closed) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.watch(), REWATCH_MS);
    this.retry.unref();
  }

  /**
   * BuildKit tags the images it builds without an image event, and editing a Dockerfile makes
   * none at all: so the images and workspace files that checks watch are also polled.
   */
  private pollFingerprints(lab: LabAccess): () => void {
    const intervalMs = this.opts.pollMs ?? 3000;
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

  private schedule(block: string): void {
    if (this.closed) return;
    clearTimeout(this.pending.get(block));
    this.pending.set(
      block,
      setTimeout(() => {
        this.pending.delete(block);
        this.runner.run(block, "event", true).catch(() => {});
      }, this.opts.debounceMs ?? 1500),
    );
  }

  close(): void {
    this.closed = true;
    this.unwatch(false);
    clearTimeout(this.retry);
    for (const t of this.pending.values()) clearTimeout(t);
  }
}
