import type Docker from "dockerode";
import type { LoadedExercise } from "../exercises/load-exercises.ts";
import { loadExercise } from "../exercises/load-exercises.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { ChangeTimes } from "./change-times.ts";
import type { BlockRun } from "./check-result.ts";
import { CheckRunner } from "./check-runner.ts";
import { LiveWatcher } from "./live-watcher.ts";
import { ResultFeed, type ResultsListener } from "./result-feed.ts";

export type { ResultsListener };

/**
 * The agent's side of checks, one job per part: the runner runs and stores checks
 * (check-runner.ts), the live watcher re-runs a block's snapshot checks after lab changes and
 * records swarm history (live-watcher.ts), the feed pushes stored results to pages
 * (result-feed.ts). Probes (stop, crash, scratch copies) run only when asked.
 */
export class CheckService {
  readonly store: ProgressStore;
  /** When the lab last changed, per deliverable (fed by the live watcher; served as `changedAt`). */
  readonly changes = new ChangeTimes();
  private readonly runner: CheckRunner;
  private readonly watcher: LiveWatcher;
  private readonly feed: ResultFeed;

  constructor(opts: { docker: Docker; lab: string; home: string; debounceMs?: number }) {
    this.store = new ProgressStore(opts.home);
    this.feed = new ResultFeed(this.store, opts.lab);
    this.runner = new CheckRunner(opts, this.store, () => this.feed.notify());
    this.watcher = new LiveWatcher(this.runner, this.store, this.changes, {
      ...(opts.debounceMs !== undefined ? { debounceMs: opts.debounceMs } : {}),
    });
  }

  exercise(block: string): LoadedExercise {
    return loadExercise(block);
  }

  /** Runs a block now (or joins the run in progress) and stores it. */
  run(block: string, trigger: string, snapshotsOnly = false): Promise<BlockRun> {
    return this.runner.run(block, trigger, snapshotsOnly);
  }

  /** Starts recording swarm history and watching the lab (once; later calls do nothing). */
  watch(): Promise<void> {
    return this.watcher.watch();
  }

  /** The lab was brought up, reset or taken down: drop its clients and watch it afresh. */
  labChanged(): void {
    this.watcher.labChanged();
  }

  /**
   * Calls `listener` with the block's latest results each time a run of it is stored, by this
   * agent or by another process (`drydock check`). Returns the unsubscribe function.
   */
  subscribe(block: string, listener: ResultsListener): () => void {
    return this.feed.subscribe(block, listener);
  }

  close(): void {
    this.watcher.close();
    this.feed.close();
    this.store.close();
  }
}
