import * as pty from "node-pty";
import { DEFAULT_WATERMARKS, FlowControl, type Watermarks } from "./flow-control.ts";
import type { ServerMessage, TerminalId, TerminalInfo, TerminalNode } from "./protocol.ts";
import { ScreenMirror } from "./screen-mirror.ts";

/** One viewer of a terminal: a WebSocket, seen through what the session needs of it. */
export interface TerminalSink {
  readonly id: string;
  sendOutput(data: Buffer): void;
  sendControl(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface PtySessionOptions {
  id: TerminalId;
  node: TerminalNode;
  cols: number;
  rows: number;
  file: string;
  args: string[];
  env: Record<string, string>;
  /** How long a terminal with no viewer (or an exited one) is kept. */
  graceMs: number;
  watermarks?: Watermarks;
  /** Runs once, when the session is gone for good (after exit or close). */
  onGone: (session: PtySession) => void;
  /** Ends what runs inside the node when the session is closed (not needed after a normal exit). */
  hangUp: () => Promise<void>;
}

// Output is coalesced (as wetty's tinybuffer does) so a flood becomes few large frames.
const COALESCE_BYTES = 64 * 1024;
// How long `docker exec` may take to start the shell inside the node.
const STARTUP_MS = 4_000;

/**
 * A small chunk (a keystroke's echo) goes out on the next turn of the event loop; a big
 * one means a stream, which is batched for 2 ms so it becomes few large frames.
 */
function scheduleFlush(chunkBytes: number, flush: () => void): () => void {
  if (chunkBytes < 1024) {
    const handle = setImmediate(flush);
    return () => clearImmediate(handle);
  }
  const timer = setTimeout(flush, 2);
  return () => clearTimeout(timer);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Viewer {
  sink: TerminalSink;
  /** Output that arrived while this viewer's replay was being prepared. */
  queued: Buffer[] | null;
}

/** A PTY running `docker exec -it … bash -l`, its screen mirror and its viewers. */
export class PtySession {
  readonly id: TerminalId;
  readonly node: TerminalNode;
  readonly createdAt = new Date().toISOString();
  private readonly started = Date.now();
  private readonly pty: pty.IPty;
  private readonly mirror: ScreenMirror;
  private readonly flow: FlowControl;
  private readonly viewers = new Map<string, Viewer>();
  private cols: number;
  private rows: number;
  private pendingOut: Buffer[] = [];
  private pendingBytes = 0;
  private cancelFlush: (() => void) | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private exit: { code: number; signal: number | null } | null = null;
  private gone = false;
  private closing = false;

  constructor(private readonly opts: PtySessionOptions) {
    this.id = opts.id;
    this.node = opts.node;
    this.cols = opts.cols;
    this.rows = opts.rows;
    this.mirror = new ScreenMirror(opts.cols, opts.rows);
    this.flow = new FlowControl(opts.watermarks ?? DEFAULT_WATERMARKS, (paused) =>
      paused ? this.pty.pause() : this.pty.resume(),
    );
    this.pty = pty.spawn(opts.file, opts.args, {
      name: "xterm-256color",
      cols: opts.cols,
      rows: opts.rows,
      env: opts.env,
      // Buffers, not strings: byte counts for flow control, and no split UTF-8 sequences.
      encoding: null,
    } as pty.IPtyForkOptions);
    this.pty.onData((data) => this.onOutput(data as unknown as Buffer));
    this.pty.onExit(({ exitCode, signal }) => this.onExit(exitCode, signal ?? null));
    this.armGrace(); // nobody has attached yet
  }

  get exited(): boolean {
    return this.exit !== null;
  }

  info(): TerminalInfo {
    return {
      id: this.id,
      node: this.node,
      cols: this.cols,
      rows: this.rows,
      createdAt: this.createdAt,
      clients: this.viewers.size,
      exitCode: this.exit?.code ?? null,
    };
  }

  /** Sends the viewer the current screen, then live output; an exited terminal also sends `exit`. */
  async attach(sink: TerminalSink): Promise<void> {
    if (this.gone) throw new Error("terminal is gone");
    this.clearGrace();
    const viewer: Viewer = { sink, queued: [] };
    this.viewers.set(sink.id, viewer);
    this.flush();
    const screen = Buffer.from(await this.mirror.snapshot(), "utf8");
    if (this.viewers.get(sink.id) !== viewer) return; // left while we waited
    sink.sendControl({ type: "ready", terminal: this.info(), replayBytes: screen.length });
    this.flow.add(sink.id);
    if (screen.length > 0) this.deliver(viewer, screen);
    const queued = viewer.queued ?? [];
    viewer.queued = null;
    for (const chunk of queued) this.deliver(viewer, chunk);
    if (this.exit) sink.sendControl({ type: "exit", ...this.exit });
  }

  detach(sinkId: string): void {
    if (!this.viewers.delete(sinkId)) return;
    this.flow.remove(sinkId);
    if (this.viewers.size === 0) this.armGrace();
  }

  input(data: string): void {
    if (!this.exit) this.pty.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exit || (cols === this.cols && rows === this.rows)) return;
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    this.mirror.resize(cols, rows);
  }

  ack(sinkId: string, bytes: number): void {
    this.flow.acked(sinkId, bytes);
  }

  /** Bytes sent to this viewer and not yet acknowledged (for tests and diagnostics). */
  unacked(sinkId: string): number {
    return this.flow.pending(sinkId);
  }

  /** Ends the shell (in the node too) and tells every viewer. */
  async close(): Promise<void> {
    if (this.gone || this.closing) return;
    this.closing = true;
    if (!this.exit) {
      const exited = new Promise<void>((resolve) => this.pty.onExit(() => resolve()));
      try {
        this.pty.kill("SIGHUP");
      } catch {}
      await Promise.race([exited, delay(2_000)]);
      await this.opts.hangUp().catch(() => {});
      // A shell whose `docker exec` was still starting may appear just after the hang-up: once more.
      const age = Date.now() - this.started;
      if (age < STARTUP_MS) {
        await delay(STARTUP_MS - age);
        await this.opts.hangUp().catch(() => {});
      }
    }
    this.end("the terminal was closed");
  }

  private onOutput(data: Buffer): void {
    this.pendingOut.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= COALESCE_BYTES) this.flush();
    else if (!this.cancelFlush) this.cancelFlush = scheduleFlush(data.length, () => this.flush());
  }

  private flush(): void {
    this.cancelFlush?.();
    this.cancelFlush = undefined;
    if (this.pendingBytes === 0) return;
    const chunk =
      this.pendingOut.length === 1 ? (this.pendingOut[0] as Buffer) : Buffer.concat(this.pendingOut);
    this.pendingOut = [];
    this.pendingBytes = 0;
    this.mirror.write(chunk);
    for (const viewer of this.viewers.values()) {
      if (viewer.queued) viewer.queued.push(chunk);
      else this.deliver(viewer, chunk);
    }
  }

  private deliver(viewer: Viewer, chunk: Buffer): void {
    this.flow.sent(viewer.sink.id, chunk.length);
    viewer.sink.sendOutput(chunk);
  }

  private onExit(code: number, signal: number | null): void {
    this.flush();
    this.exit = { code, signal: signal || null };
    for (const viewer of this.viewers.values()) {
      if (!viewer.queued) viewer.sink.sendControl({ type: "exit", ...this.exit });
    }
    // An exited terminal stays attachable for the grace period, so a reload still shows how it ended.
    this.clearGrace();
    this.graceTimer = setTimeout(() => this.end("the terminal has ended"), this.opts.graceMs);
    this.graceTimer.unref();
  }

  private armGrace(): void {
    this.clearGrace();
    this.graceTimer = setTimeout(() => void this.close(), this.opts.graceMs);
    this.graceTimer.unref();
  }

  private clearGrace(): void {
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
  }

  private end(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.clearGrace();
    this.cancelFlush?.();
    for (const viewer of this.viewers.values()) viewer.sink.close(1000, reason);
    this.viewers.clear();
    this.mirror.dispose();
    this.opts.onGone(this);
  }
}
