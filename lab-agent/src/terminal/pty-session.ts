import * as pty from "node-pty";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { DEFAULT_WATERMARKS, FlowControl, type OverCapReason, type Watermarks } from "./flow-control.ts";
import type { Role, ServerMessage, TerminalId, TerminalInfo, TerminalNode } from "./protocol.ts";
import { ScreenMirror } from "./screen-mirror.ts";

/** One viewer of a terminal: a WebSocket, seen through what the session needs of it. */
export interface TerminalSink {
  readonly id: string;
  /** Sends output; `onWritten` runs once the socket has written it out (not merely queued it). */
  sendOutput(data: Buffer, onWritten: () => void): void;
  sendControl(message: ServerMessage): void;
  close(code: number, reason: string): void;
  /** False once the socket is closing (a reloading tab's close frame has arrived). */
  isOpen(): boolean;
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
  /** Sockets attached at once (one controller, the rest viewers). */
  maxViewers?: number;
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

export const DEFAULT_MAX_VIEWERS = 8;

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
  /** Viewers attached to watch only: they never take control, so their input never reaches the shell. */
  private readonly watchers = new Set<string>();
  /** The one socket whose input and size count; undefined when nobody holds control. */
  private controller: string | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
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
    this.flow = new FlowControl(
      opts.watermarks ?? DEFAULT_WATERMARKS,
      (paused) => this.onPause(paused),
      (sinkId, reason) => this.overCap(sinkId, reason),
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

  /**
   * Sends the socket the current screen, then live output; an exited terminal also sends
   * `exit`. The first socket (or the first after control was let go) controls the terminal
   * and its size sets the terminal's; later ones are viewers: their input is refused and
   * their size ignored (a small window does not shrink the screen of the person typing).
   */
  async attach(
    sink: TerminalSink,
    size: { cols: number; rows: number },
    /** A watcher (the workshop lead watching a learner) is a viewer for good: it never controls. */
    opts: { watchOnly?: boolean } = {},
  ): Promise<Role> {
    if (this.gone) throw new DrydockError(ErrorCode.notFound, "That terminal does not exist (any more).");
    const max = this.opts.maxViewers ?? DEFAULT_MAX_VIEWERS;
    if (this.viewers.size >= max) {
      throw new DrydockError(ErrorCode.tooMany, `This terminal already has ${max} viewers.`, {
        hint: "Close a tab that shows it, then try again.",
      });
    }
    // A reloading tab's old socket may still be closing: it does not keep control from the new one.
    if (this.controller !== undefined && !this.viewers.get(this.controller)?.sink.isOpen()) {
      this.detach(this.controller);
    }
    this.clearGrace();
    const viewer: Viewer = { sink, queued: [] };
    this.viewers.set(sink.id, viewer);
    if (opts.watchOnly) this.watchers.add(sink.id);
    const role: Role = this.controller === undefined && !opts.watchOnly ? "controller" : "viewer";
    if (role === "controller") {
      this.controller = sink.id;
      this.applySize(size.cols, size.rows);
    }
    this.flush();
    this.flow.add(sink.id);
    const screen = Buffer.from(await this.mirror.snapshot(), "utf8");
    if (this.viewers.get(sink.id) !== viewer) return role; // left while we waited
    sink.sendControl({
      type: "ready",
      terminal: this.info(),
      replayBytes: screen.length,
      role: this.roleOf(sink.id),
      controlFree: this.controller === undefined,
    });
    if (role === "controller") this.tellViewers();
    if (screen.length > 0) this.deliver(viewer, screen);
    const queued = viewer.queued ?? [];
    viewer.queued = null;
    for (const chunk of queued) this.deliver(viewer, chunk);
    if (this.exit) sink.sendControl({ type: "exit", ...this.exit });
    return role;
  }

  detach(sinkId: string): void {
    this.watchers.delete(sinkId);
    if (!this.viewers.delete(sinkId)) return;
    this.flow.remove(sinkId);
    if (this.controller === sinkId) {
      this.controller = undefined;
      this.tellViewers();
    }
    if (this.viewers.size === 0) this.armGrace();
  }

  roleOf(sinkId: string): Role {
    return this.controller === sinkId ? "controller" : "viewer";
  }

  /** Keystrokes from the controller reach the shell; false (refused) from a viewer. */
  input(sinkId: string, data: string): boolean {
    if (this.controller !== sinkId) return false;
    if (!this.exit) this.pty.write(data);
    return true;
  }

  /** Only the controller sets the size; a viewer's resize is ignored (false). */
  resize(sinkId: string, cols: number, rows: number): boolean {
    if (this.controller !== sinkId) return false;
    this.applySize(cols, rows);
    return true;
  }

  /** The controller lets control go; any viewer may then take it. */
  release(sinkId: string): void {
    if (this.controller !== sinkId) return;
    this.controller = undefined;
    this.tellViewers();
  }

  /** A viewer takes control when nobody holds it; false when someone does. */
  take(sinkId: string): boolean {
    if (!this.viewers.has(sinkId) || this.watchers.has(sinkId)) return false;
    if (this.controller !== undefined && this.controller !== sinkId) return false;
    this.controller = sinkId;
    this.tellViewers();
    return true;
  }

  private applySize(cols: number, rows: number): void {
    if (this.exit || (cols === this.cols && rows === this.rows)) return;
    this.cols = cols;
    this.rows = rows;
    this.pty.resize(cols, rows);
    this.mirror.resize(cols, rows);
    for (const [id, v] of this.viewers) {
      if (id !== this.controller && !v.queued) v.sink.sendControl({ type: "size", cols, rows });
    }
  }

  /** Everyone learns their role and whether control is free. */
  private tellViewers(): void {
    const controlFree = this.controller === undefined;
    for (const [id, v] of this.viewers) {
      if (!v.queued) v.sink.sendControl({ type: "role", role: this.roleOf(id), controlFree });
    }
  }

  ack(sinkId: string, bytes: number): void {
    this.flow.acked(sinkId, bytes);
  }

  /** Bytes sent to this viewer and not yet acknowledged (for tests and diagnostics). */
  unacked(sinkId: string): number {
    return this.flow.pending(sinkId);
  }

  /** Per socket: role, bytes the agent holds for it, bytes not yet acked; and whether the PTY is paused. */
  flowState(): {
    paused: boolean;
    limits: Required<Watermarks>;
    viewers: Array<{ role: Role; buffered: number; unacked: number }>;
  } {
    return {
      paused: this.flow.isPaused,
      limits: this.flow.limits,
      viewers: [...this.viewers.keys()].map((id) => ({
        role: this.roleOf(id),
        buffered: this.flow.buffered(id),
        unacked: this.flow.pending(id),
      })),
    };
  }

  private onPause(paused: boolean): void {
    if (this.exit) return;
    if (paused) this.pty.pause();
    else this.pty.resume();
    clearInterval(this.stallTimer);
    this.stallTimer = undefined;
    if (paused) {
      this.stallTimer = setInterval(() => this.flow.checkStalls(), 1_000);
      this.stallTimer.unref();
    }
  }

  /** A socket over the buffer cap, or holding the PTY paused too long: closed, the terminal lives on. */
  private overCap(sinkId: string, reason: OverCapReason): void {
    const viewer = this.viewers.get(sinkId);
    if (!viewer) return;
    const message =
      reason === "buffer-cap"
        ? "This view fell too far behind the terminal's output."
        : "This view stopped acknowledging output and held the terminal paused.";
    viewer.sink.sendControl({
      type: "error",
      code: "too-slow",
      message: `${message} Reconnect to continue.`,
    });
    this.detach(sinkId);
    viewer.sink.close(1013, "too-slow");
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
    const id = viewer.sink.id;
    this.flow.sent(id, chunk.length);
    // Over the buffer cap, `sent` has just closed this viewer: nothing more is queued for it.
    if (this.viewers.get(id) !== viewer) return;
    viewer.sink.sendOutput(chunk, () => this.flow.written(id, chunk.length));
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
    clearInterval(this.stallTimer);
    this.cancelFlush?.();
    for (const viewer of this.viewers.values()) viewer.sink.close(1000, reason);
    this.viewers.clear();
    this.mirror.dispose();
    this.opts.onGone(this);
  }
}
