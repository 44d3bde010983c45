import { BLOCK_IDS, type BlockId } from "../course/course-outline.ts";
import { ProgressStore } from "./progress-store.ts";

/**
 * Records practice time while the agent runs. Terminal input counts for the block the learner is
 * working on: the block whose page last reported itself (`page`, when the site sends it), else the
 * block most recently checked in this lab. With neither, nothing is recorded (time is never
 * guessed onto a block). The store keeps at most one tick per 15 s, so this is cheap to call on
 * every keystroke.
 */
export class PracticeRecorder {
  private readonly store: ProgressStore;
  private pageBlock: { block: BlockId; atMs: number } | undefined;
  private lastRunCheck = 0;
  private checkedBlock: BlockId | undefined;

  constructor(
    home: string,
    private readonly lab: string,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new ProgressStore(home);
  }

  /** A keystroke (or paste) in any terminal of the lab. */
  readonly terminalInput = (): void => {
    const block = this.currentBlock();
    if (block) this.store.recordActivity(this.lab, block, "terminal", this.now());
  };

  /** A block's page is in front (the site's heartbeat, once it sends one). */
  page(block: string): void {
    if (!(BLOCK_IDS as readonly string[]).includes(block)) return;
    const atMs = this.now();
    this.pageBlock = { block: block as BlockId, atMs };
    this.store.recordActivity(this.lab, block, "page", atMs);
  }

  currentBlock(): BlockId | undefined {
    const now = this.now();
    if (this.pageBlock && now - this.pageBlock.atMs < 5 * 60_000) return this.pageBlock.block;
    if (now - this.lastRunCheck > 15_000) {
      this.lastRunCheck = now;
      let newest = -1;
      for (const [block, id] of this.store.lastRuns(this.lab)) {
        if (id > newest && (BLOCK_IDS as readonly string[]).includes(block)) {
          newest = id;
          this.checkedBlock = block as BlockId;
        }
      }
    }
    return this.checkedBlock;
  }

  close(): void {
    this.store.close();
  }
}
