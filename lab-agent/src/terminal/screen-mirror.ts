import serializePkg from "@xterm/addon-serialize";
import headlessPkg from "@xterm/headless";

// Both packages are CommonJS; their named exports are reached through the default import.
const { Terminal } = headlessPkg;
const { SerializeAddon } = serializePkg;

/** Unparsed output the mirror may hold; past it, the oldest is dropped down to KEEP_BYTES. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
const KEEP_BYTES = 1024 * 1024;
/** Quiet time after which pending output is parsed. */
const QUIET_MS = 25;

/**
 * A headless xterm that parses what a PTY prints, so a tab that reloads (or a second
 * tab) gets the current screen and recent scrollback back, colours and cursor included,
 * instead of a blank terminal or a replay of megabytes of raw output.
 *
 * Parsing is the agent's most expensive work during an output flood, and only the
 * last screenful or so can matter to a reload. So the mirror never slows the PTY down:
 * it parses once output pauses (or when a snapshot is asked for), and when more than a
 * few MiB wait unparsed it skips the oldest (at worst the restored scrollback starts
 * mid-stream).
 */
export class ScreenMirror {
  private readonly term: InstanceType<typeof Terminal>;
  private readonly serializer = new SerializeAddon();
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private parsing = false;
  private idleWaiters: Array<() => void> = [];
  private quietTimer: NodeJS.Timeout | undefined;
  /** Bytes skipped because the parser fell behind (for tests and diagnostics). */
  skippedBytes = 0;

  constructor(
    cols: number,
    rows: number,
    private readonly scrollback = 1000,
  ) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
    this.term.loadAddon(this.serializer);
  }

  write(data: Buffer): void {
    this.backlog.push(data);
    this.backlogBytes += data.length;
    if (this.backlogBytes > MAX_BACKLOG_BYTES) this.trim();
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.pump(), QUIET_MS);
    this.quietTimer.unref();
  }

  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /** The screen as escape sequences, once everything written before this call is parsed. */
  async snapshot(): Promise<string> {
    await this.idle();
    return this.serializer.serialize({ scrollback: this.scrollback });
  }

  dispose(): void {
    clearTimeout(this.quietTimer);
    this.backlog = [];
    this.backlogBytes = 0;
    this.term.dispose();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private trim(): void {
    while (this.backlogBytes > KEEP_BYTES && this.backlog.length > 1) {
      const dropped = this.backlog.shift() as Buffer;
      this.backlogBytes -= dropped.length;
      this.skippedBytes += dropped.length;
    }
  }

  private pump(): void {
    if (this.parsing) return;
    if (this.backlogBytes === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    const chunk = this.backlog.length === 1 ? (this.backlog[0] as Buffer) : Buffer.concat(this.backlog);
    this.backlog = [];
    this.backlogBytes = 0;
    this.parsing = true;
    this.term.write(chunk, () => {
      this.parsing = false;
      this.pump();
    });
  }

  private idle(): Promise<void> {
    if (!this.parsing && this.backlogBytes === 0) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.pump();
    return done;
  }
}
