/**
 * End-to-end flow control, as wetty does it: every consumer of a PTY's output (each
 * attached socket) counts the bytes it was sent and has not yet
 * acknowledged. Above `high` for any consumer the PTY is paused; once every consumer is
 * below `low` it resumes. A browser acks from xterm's write callback, so "acked" means
 * "parsed", and neither the tab nor the agent ever holds more than about `high` bytes.
 */
export interface Watermarks {
  high: number;
  low: number;
}

export const DEFAULT_WATERMARKS: Watermarks = { high: 2 * 1024 * 1024, low: 512 * 1024 };

export class FlowControl {
  private readonly unacked = new Map<string, number>();
  private paused = false;

  constructor(
    private readonly marks: Watermarks,
    private readonly onPauseChange: (paused: boolean) => void,
  ) {
    if (!(marks.low > 0 && marks.low < marks.high)) throw new Error("flow control needs 0 < low < high");
  }

  get isPaused(): boolean {
    return this.paused;
  }

  add(consumer: string): void {
    this.unacked.set(consumer, 0);
  }

  /** A consumer that leaves no longer holds the PTY back. */
  remove(consumer: string): void {
    this.unacked.delete(consumer);
    this.update();
  }

  sent(consumer: string, bytes: number): void {
    const current = this.unacked.get(consumer);
    if (current === undefined) return;
    this.unacked.set(consumer, current + bytes);
    this.update();
  }

  /** Acks beyond what was sent are clamped: a confused client cannot bank credit. */
  acked(consumer: string, bytes: number): void {
    const current = this.unacked.get(consumer);
    if (current === undefined) return;
    this.unacked.set(consumer, Math.max(0, current - bytes));
    this.update();
  }

  pending(consumer: string): number {
    return this.unacked.get(consumer) ?? 0;
  }

  private update(): void {
    let max = 0;
    for (const n of this.unacked.values()) max = Math.max(max, n);
    if (!this.paused && max >= this.marks.high) {
      this.paused = true;
      this.onPauseChange(true);
    } else if (this.paused && max < this.marks.low) {
      this.paused = false;
      this.onPauseChange(false);
    }
  }
}
