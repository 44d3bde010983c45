import type { ProgressStore } from "../progress/progress-store.ts";
import type { CheckResult } from "./check-result.ts";

/** How often subscribers' blocks are looked up in the store (any process may have stored a run). */
const STORE_POLL_MS = 1000;

/** Receives a block's latest result per deliverable whenever a run of it is stored. */
export type ResultsListener = (results: CheckResult[]) => void;

/**
 * Pushes each block's latest results to its subscribers whenever a run of it is stored, by this
 * agent or by another process (`drydock check`): the store is polled while anyone listens.
 */
export class ResultFeed {
  private readonly listeners = new Map<string, Set<ResultsListener>>();
  private timer: NodeJS.Timeout | undefined;
  private seenRuns = new Map<string, number>();

  constructor(
    private readonly store: ProgressStore,
    private readonly lab: string,
  ) {}

  /** Calls `listener` with the block's latest results each time a run of it is stored. Returns the unsubscribe. */
  subscribe(block: string, listener: ResultsListener): () => void {
    if (this.listeners.size === 0) {
      this.seenRuns = this.store.lastRuns(this.lab);
      this.timer = setInterval(() => this.notify(), STORE_POLL_MS);
      this.timer.unref();
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
      if (this.listeners.size === 0) clearInterval(this.timer);
    };
  }

  /** Looks for newly stored runs now (called after each run this agent stores, and by the poll). */
  notify(): void {
    if (this.listeners.size === 0) return;
    const now = this.store.lastRuns(this.lab);
    for (const [block, set] of this.listeners) {
      const id = now.get(block);
      if (id === undefined || id === this.seenRuns.get(block)) continue;
      const results = this.store.latest(this.lab, block);
      for (const listener of set) listener(results);
    }
    this.seenRuns = now;
  }

  close(): void {
    clearInterval(this.timer);
    this.listeners.clear();
  }
}
