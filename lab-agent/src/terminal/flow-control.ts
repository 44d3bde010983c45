/**
 * End-to-end flow control, as wetty does it, made so a client cannot forge it. For every
 * consumer of a PTY's output (each attached socket) three counters:
 * - `sent`: bytes handed to its socket;
 * - `written`: of those, bytes the socket has actually written out (ws's send callback);
 * - `acked`: bytes the client says it parsed, **never more than `written`**: an ack for
 *   bytes still queued in the agent, or a forged 64 MiB ack, counts only up to what really left.
 * `outstanding = sent - acked` drives the watermarks: above `high` for any consumer the
 * PTY is paused; once every consumer is below `low` it resumes. `buffered = sent - written`
 * is what the agent holds in memory for that socket; it has a hard cap (`maxBuffered`):
 * a consumer over it, or over `high` for longer than `stallMs`, is reported through
 * `onOverCap` and the session closes it, so a tab that stops reading cannot hold the
 * terminal (or the agent's memory) for everyone else.
 */
export interface Watermarks {
  high: number;
  low: number;
  /** Most bytes queued in the agent for one socket; past it the socket is closed. */
  maxBuffered?: number;
  /** How long one consumer may keep the PTY paused before it is closed. */
  stallMs?: number;
}

export const DEFAULT_WATERMARKS: Required<Watermarks> = {
  high: 2 * 1024 * 1024,
  low: 512 * 1024,
  maxBuffered: 4 * 1024 * 1024,
  stallMs: 20_000,
};

interface Counters {
  sent: number;
  written: number;
  acked: number;
  /** When this consumer went over `high` (and has stayed there), or undefined. */
  overSince: number | undefined;
}

export type OverCapReason = "buffer-cap" | "stalled";

export class FlowControl {
  private readonly consumers = new Map<string, Counters>();
  private readonly marks: Required<Watermarks>;
  private paused = false;

  constructor(
    marks: Watermarks,
    private readonly onPauseChange: (paused: boolean) => void,
    private readonly onOverCap: (consumer: string, reason: OverCapReason) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {
    this.marks = { ...DEFAULT_WATERMARKS, ...marks };
    if (!(marks.low > 0 && marks.low < marks.high)) throw new Error("flow control needs 0 < low < high");
    if (this.marks.maxBuffered < this.marks.high) throw new Error("flow control needs maxBuffered ≥ high");
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get limits(): Required<Watermarks> {
    return this.marks;
  }

  add(consumer: string): void {
    this.consumers.set(consumer, { sent: 0, written: 0, acked: 0, overSince: undefined });
  }

  /** A consumer that leaves no longer holds the PTY back. */
  remove(consumer: string): void {
    this.consumers.delete(consumer);
    this.update();
  }

  sent(consumer: string, bytes: number): void {
    const c = this.consumers.get(consumer);
    if (!c) return;
    // Judged on what was queued before this chunk: one frame (a big screen replay) never trips it
    // alone, a socket that lets output pile up past the cap does.
    if (c.sent - c.written > this.marks.maxBuffered) this.onOverCap(consumer, "buffer-cap");
    c.sent += bytes;
    this.update();
  }

  /** The socket wrote these bytes out (they left the agent's memory). */
  written(consumer: string, bytes: number): void {
    const c = this.consumers.get(consumer);
    if (!c) return;
    c.written = Math.min(c.sent, c.written + bytes);
  }

  /** Acks count at most the bytes actually written and not yet acked: no banked credit, no forgery. */
  acked(consumer: string, bytes: number): void {
    const c = this.consumers.get(consumer);
    if (!c) return;
    c.acked = Math.min(c.written, c.acked + bytes);
    this.update();
  }

  /** Bytes sent to this consumer and not yet acknowledged. */
  pending(consumer: string): number {
    const c = this.consumers.get(consumer);
    return c ? c.sent - c.acked : 0;
  }

  /** Bytes the agent holds for this consumer (handed to its socket, not yet written out). */
  buffered(consumer: string): number {
    const c = this.consumers.get(consumer);
    return c ? c.sent - c.written : 0;
  }

  /** Reports consumers that kept the PTY paused longer than `stallMs` (call it now and then). */
  checkStalls(): void {
    const t = this.now();
    for (const [id, c] of this.consumers) {
      if (c.overSince !== undefined && t - c.overSince >= this.marks.stallMs) this.onOverCap(id, "stalled");
    }
  }

  private update(): void {
    let max = 0;
    const t = this.now();
    for (const c of this.consumers.values()) {
      const out = c.sent - c.acked;
      max = Math.max(max, out);
      if (out >= this.marks.high) c.overSince ??= t;
      else if (out < this.marks.low) c.overSince = undefined;
    }
    if (!this.paused && max >= this.marks.high) {
      this.paused = true;
      this.onPauseChange(true);
    } else if (this.paused && max < this.marks.low) {
      this.paused = false;
      this.onPauseChange(false);
    }
  }
}
