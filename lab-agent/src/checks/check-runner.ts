import type Docker from "dockerode";
import { loadExercise } from "../exercises/load-exercises.ts";
import type { ProgressStore } from "../progress/progress-store.ts";
import { CHECKS } from "./check-registry.ts";
import type { BlockRun } from "./check-result.ts";
import { type LabAccess, openLab } from "./lab-access.ts";
import { runBlock } from "./run-checks.ts";

/**
 * Runs a block's checks against the lab and stores each run: one run per block at a time (a
 * second request joins the one in progress). The lab's clients are opened on first use and kept
 * until `forget()` (the lab was brought up, reset or taken down).
 */
export class CheckRunner {
  private lab: Promise<LabAccess> | undefined;
  private readonly running = new Map<string, Promise<BlockRun>>();

  constructor(
    private readonly opts: { docker: Docker; lab: string; home: string },
    readonly store: ProgressStore,
    /** Called after each stored run (the result feed pushes it at once). */
    private readonly stored: () => void = () => {},
  ) {}

  access(): Promise<LabAccess> {
    this.lab ??= openLab(this.opts).catch((err) => {
      this.lab = undefined;
      throw err;
    });
    return this.lab;
  }

  forget(): void {
    this.lab = undefined;
  }

  /**
   * Runs a block now (or joins the run in progress) and stores it. `snapshotsOnly` leaves out
   * the probes (they stop, restart or copy things on purpose): what the live watcher runs.
   */
  run(block: string, trigger: string, snapshotsOnly = false): Promise<BlockRun> {
    const key = `${block}:${snapshotsOnly}`;
    const current = this.running.get(key);
    if (current) return current;
    const p = (async () => {
      const exercise = loadExercise(block);
      const only = snapshotsOnly
        ? exercise.deliverables.filter((d) => CHECKS.get(d.check.id)?.kind !== "probe").map((d) => d.id)
        : undefined;
      const run = await runBlock({
        lab: await this.access(),
        exercise,
        history: this.store,
        quizzes: this.store,
        ...(only ? { only } : {}),
      });
      this.store.saveRun(run, trigger);
      this.stored();
      return run;
    })().finally(() => this.running.delete(key));
    this.running.set(key, p);
    return p;
  }
}
