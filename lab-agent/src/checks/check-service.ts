import { statSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import type { LoadedExercise } from "../exercises/load-exercises.ts";
import { listExerciseBlocks, loadExercise } from "../exercises/load-exercises.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import type { Trigger } from "./check-definition.ts";
import { CHECKS } from "./check-registry.ts";
import type { BlockRun } from "./check-result.ts";
import { inspectImage } from "./engine-reads.ts";
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
/** Our own drills make events too: ignore containers labelled as ours. */
const OWN_LABEL = "io.drydock.check";

/**
 * The agent's side of checks: runs and stores them, records swarm history while the lab is
 * up, and re-runs a block's snapshot checks (debounced) after Docker events that concern them.
 * Drills (stop, crash, probe) run only when asked: they change the lab on purpose.
 */
export class CheckService {
  readonly store: ProgressStore;
  private lab: Promise<LabAccess> | undefined;
  private readonly stops: Array<() => void> = [];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<BlockRun>>();
  private watching = false;

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
      return run;
    })().finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }

  /** Starts recording swarm history and watching events (once; later calls do nothing). */
  async watch(): Promise<void> {
    if (this.watching) return;
    this.watching = true;
    const lab = await this.access().catch(() => undefined);
    if (!lab) {
      this.watching = false;
      return;
    }
    this.stops.push(recordSwarmHistory(() => lab.engine("manager-1"), lab.lab, this.store));
    this.stops.push(this.pollFingerprints(lab));
    for (const role of ["laptop", "manager-1"] as EngineRole[]) {
      const engine = await lab.engine(role).catch(() => undefined);
      const stream = await engine?.getEvents({}).catch(() => undefined);
      if (!stream) continue;
      stream.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split("\n")) this.onEvent(line);
      });
      stream.on("error", () => {});
      this.stops.push(() => (stream as unknown as { destroy: () => void }).destroy());
    }
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
      for (const block of listExerciseBlocks()) {
        const params = loadExercise(block).deliverables.map((d) => d.check.params as Record<string, unknown>);
        const images = [
          ...new Set(params.map((p) => p.image).filter((x): x is string => typeof x === "string")),
        ];
        const files = [
          ...new Set(
            params
              .flatMap((p) => [p.dockerfile, p.stackFile])
              .filter((x): x is string => typeof x === "string"),
          ),
        ];
        const laptop = await lab.engine("laptop").catch(() => undefined);
        const ids = await Promise.all(
          images.map((ref) =>
            laptop
              ? inspectImage(laptop, ref).then(
                  (i) => i?.Id ?? "-",
                  () => "?",
                )
              : "?",
          ),
        );
        const mtimes = files.map((f) => {
          try {
            return String(statSync(join(lab.workspace, f)).mtimeMs);
          } catch {
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
    if (event.Actor?.Attributes?.[OWN_LABEL] !== undefined) return;
    const triggers = EVENT_TRIGGERS[event.Type ?? ""] ?? [];
    if (triggers.length === 0) return;
    for (const block of listExerciseBlocks()) {
      const ex = loadExercise(block);
      const affected = ex.deliverables.some((d) => {
        const def = CHECKS.get(d.check.id);
        return def && def.kind !== "drill" && def.triggers.some((t) => triggers.includes(t));
      });
      if (affected) this.schedule(block);
    }
  }

  private schedule(block: string): void {
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
    for (const stop of this.stops) stop();
    for (const t of this.pending.values()) clearTimeout(t);
    this.store.close();
  }
}
