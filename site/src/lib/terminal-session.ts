import "@xterm/xterm/css/xterm.css";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { AgentRequestError, mintTicket, type TerminalNode } from "./agent-api.ts";
import {
  type ClientFrame,
  commandKeys,
  FINAL_CLOSE_CODES,
  parseServerFrame,
  splitInput,
} from "./terminal-protocol.ts";

/**
 * One browser terminal on one lab node: an xterm.js view over the agent's terminal socket.
 * Loaded with a dynamic import the first time a terminal is shown, so text pages never
 * download xterm. The terminal id is kept in sessionStorage: after a reload (or a dropped
 * socket) the view attaches to the same shell and the agent replays its screen.
 */

export type SessionState =
  | { kind: "connecting" }
  | { kind: "connected" }
  /** Another view controls this terminal: this one only watches (typing takes control when it is free). */
  | { kind: "viewing"; controlFree: boolean }
  | { kind: "reconnecting"; inSeconds: number }
  | { kind: "exited"; code: number }
  | { kind: "failed"; message: string };

export interface SessionOptions {
  node: TerminalNode;
  /** sessionStorage key for this node's terminal id (per lab). */
  storageKey: string;
  onState: (state: SessionState) => void;
}

const THEME = {
  background: "#11161d",
  foreground: "#e6edf3",
  cursor: "#7ee0c3",
  selectionBackground: "#3b5570",
};

export class TerminalSession {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private ws: WebSocket | undefined;
  private ready = false;
  /** A viewer's input is refused by the agent; its size follows the controller's. */
  private role: "controller" | "viewer" = "controller";
  private controlFree = false;
  /** Bumped on every connect, so a slow ticket request cannot open a stale socket. */
  private attempt = 0;
  private closedByUs = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pending: string[] = [];
  private exited = false;
  /** A fresh shell: hold typed-ahead input until its first output (the prompt) arrives. */
  private awaitingPrompt = false;
  /** Bytes of the screen replay still to come after `ready`. */
  private replayLeft = 0;
  private readonly resizeObserver: ResizeObserver;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly opts: SessionOptions,
  ) {
    this.term = new Terminal({
      cursorBlink: true,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      fontSize: 14,
      scrollback: 5000,
      theme: THEME,
      screenReaderMode: false,
    });
    this.term.loadAddon(this.fit);
    this.term.open(container);
    this.term.attachCustomKeyEventHandler((e) => this.onKey(e));
    this.term.onData((data) => this.onData(data));
    this.term.onResize(({ cols, rows }) => {
      if (this.ready && this.role === "controller") this.send({ type: "resize", cols, rows });
    });
    // Fit to the pane whenever it changes size (dock resized, side switched, window resized).
    this.resizeObserver = new ResizeObserver(() => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.refit(), 50);
    });
    this.resizeObserver.observe(container);
    this.refit();
    this.connect();
  }

  /** Types a command into the shell and presses Enter (after Ctrl-C, if asked). */
  run(command: string, ctrlC: boolean): void {
    if (this.exited) this.restart();
    if (ctrlC) {
      this.input("\x03");
      // Let the shell redraw its prompt before the command arrives, or it may be discarded.
      setTimeout(() => this.input(commandKeys(command, false)), 150);
    } else {
      this.input(commandKeys(command, false));
    }
    this.term.focus();
  }

  focus(): void {
    this.term.focus();
  }

  refit(): void {
    // A viewer shows the controller's size; only the controller fits the terminal to its pane.
    if (this.role !== "controller") return;
    if (this.container.offsetWidth > 0 && this.container.offsetHeight > 0) this.fit.fit();
  }

  async copySelection(): Promise<boolean> {
    const text = this.term.getSelection();
    if (!text) return false;
    await navigator.clipboard.writeText(text);
    return true;
  }

  async pasteFromClipboard(): Promise<void> {
    const text = await navigator.clipboard.readText();
    if (text) this.term.paste(text);
    this.term.focus();
  }

  /** A new shell on the same node (after the old one ended, or on request). */
  restart(): void {
    sessionStorage.removeItem(this.opts.storageKey);
    this.exited = false;
    this.reconnectNow();
  }

  reconnectNow(): void {
    clearTimeout(this.retryTimer);
    this.retries = 0;
    this.dropSocket();
    this.connect();
  }

  dispose(): void {
    this.closedByUs = true;
    clearTimeout(this.retryTimer);
    this.resizeObserver.disconnect();
    this.dropSocket();
    this.term.dispose();
  }

  /**
   * A socket needs a single-use ticket in its first frame (no cookie or URL carries the token):
   * minted with the token just before connecting, for attaching to the known shell or, if it
   * is gone (404), for opening a new one on this node.
   */
  private async helloFrame(): Promise<ClientFrame> {
    const { cols, rows } = this.term;
    const id = sessionStorage.getItem(this.opts.storageKey);
    if (id) {
      try {
        const ticket = await mintTicket({ purpose: "terminal-attach", terminalId: id });
        return { type: "attach", ticket, terminalId: id, cols, rows };
      } catch (err) {
        if (!(err instanceof AgentRequestError && err.status === 404)) throw err;
        sessionStorage.removeItem(this.opts.storageKey);
      }
    }
    const ticket = await mintTicket({ purpose: "terminal-open", node: this.opts.node });
    return { type: "open", ticket, node: this.opts.node, cols, rows };
  }

  private connect(): void {
    this.closedByUs = false;
    this.ready = false;
    this.opts.onState({ kind: "connecting" });
    const attempt = ++this.attempt;
    this.helloFrame().then(
      (hello) => {
        if (attempt === this.attempt && !this.closedByUs) this.openSocket(hello);
      },
      (err: unknown) => {
        if (attempt !== this.attempt || this.closedByUs) return;
        if (err instanceof AgentRequestError && err.status === 401) {
          this.opts.onState({ kind: "failed", message: err.error.hint ?? err.error.message });
          return;
        }
        this.retryLater();
      },
    );
  }

  private retryLater(): void {
    // Agent restarting, network blip, 1013 (too many terminals): try again, slower each time.
    const delay = Math.min(10, 2 ** this.retries);
    this.retries += 1;
    this.opts.onState({ kind: "reconnecting", inSeconds: delay });
    this.retryTimer = setTimeout(() => this.connect(), delay * 1000);
  }

  private showRole(): void {
    if (this.role === "controller") this.opts.onState({ kind: "connected" });
    else this.opts.onState({ kind: "viewing", controlFree: this.controlFree });
  }

  private openSocket(hello: ClientFrame): void {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/ws/terminal`);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    let notFound = false;
    const opening = hello.type === "open";
    ws.onopen = () => ws.send(JSON.stringify(hello));
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") {
        const bytes = new Uint8Array(event.data as ArrayBuffer);
        if (this.replayLeft > 0) this.replayLeft -= bytes.length;
        else if (this.awaitingPrompt) setTimeout(() => this.flushPending(), 50);
        // Ack what xterm has parsed: the agent pauses the shell past 2 MiB un-acked.
        this.term.write(bytes, () => this.send({ type: "ack", bytes: bytes.length }));
        return;
      }
      const frame = parseServerFrame(event.data);
      if (!frame) return;
      switch (frame.type) {
        case "ready":
          sessionStorage.setItem(this.opts.storageKey, frame.terminal.id);
          // The replay that follows redraws the whole screen: start from a clean one.
          this.term.reset();
          this.ready = true;
          this.retries = 0;
          this.role = frame.role;
          this.controlFree = frame.controlFree;
          this.showRole();
          if (frame.role === "controller") {
            this.refit();
            this.sendSizeIfChanged(frame.terminal.cols, frame.terminal.rows);
          } else this.term.resize(frame.terminal.cols, frame.terminal.rows);
          this.replayLeft = frame.replayBytes;
          if (!opening) this.flushPending();
          else {
            // Typed before the prompt, a command is echoed twice; wait for the prompt (at most 2 s).
            this.awaitingPrompt = true;
            setTimeout(() => this.flushPending(), 2000);
          }
          break;
        case "exit":
          this.exited = true;
          sessionStorage.removeItem(this.opts.storageKey);
          this.term.write(
            `\r\n\x1b[2m[the shell ended (exit ${frame.code}); press Enter for a new one]\x1b[0m\r\n`,
          );
          this.opts.onState({ kind: "exited", code: frame.code });
          break;
        case "role": {
          const was = this.role;
          this.role = frame.role;
          this.controlFree = frame.controlFree;
          this.showRole();
          if (frame.role === "controller" && was !== "controller") {
            this.refit();
            this.send({ type: "resize", cols: this.term.cols, rows: this.term.rows });
            this.flushPending();
          }
          break;
        }
        case "size":
          if (this.role === "viewer") this.term.resize(frame.cols, frame.rows);
          break;
        case "error":
          if (frame.code === "read-only") {
            this.showRole();
          } else if (frame.code === "not-found") {
            // The shell we knew is gone (grace period over, lab reset): open a fresh one.
            notFound = true;
            sessionStorage.removeItem(this.opts.storageKey);
          } else {
            this.opts.onState({ kind: "failed", message: frame.message });
          }
          break;
        case "pong":
          break;
      }
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ready = false;
      if (this.closedByUs || this.exited) return;
      if (notFound) return this.connect();
      if (FINAL_CLOSE_CODES.has(event.code) && event.code !== 1000) {
        this.opts.onState({ kind: "failed", message: event.reason || `closed (${event.code})` });
        return;
      }
      this.retryLater();
    };
  }

  private flushPending(): void {
    this.awaitingPrompt = false;
    if (this.ready) for (const data of this.pending.splice(0)) this.input(data);
  }

  private dropSocket(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.ready = false;
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, "closed by the page");
  }

  private sendSizeIfChanged(cols: number, rows: number): void {
    if (cols !== this.term.cols || rows !== this.term.rows) {
      this.send({ type: "resize", cols: this.term.cols, rows: this.term.rows });
    }
  }

  private onData(data: string): void {
    if (this.exited) {
      if (data === "\r") this.restart();
      return;
    }
    this.input(data);
  }

  private input(data: string): void {
    if (this.ready && this.role === "viewer") {
      // Read-only while another view types; when control is free, typing takes it.
      if (this.controlFree) {
        this.pending.push(data);
        this.send({ type: "take" });
      }
      return;
    }
    if (!this.ready || this.awaitingPrompt) {
      this.pending.push(data);
      return;
    }
    for (const piece of splitInput(data)) this.send({ type: "input", data: piece });
  }

  private send(frame: ClientFrame): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /**
   * Copy and paste that work as people expect in a terminal: Ctrl+Shift+C / Ctrl+Insert copy
   * the selection, Ctrl+Shift+V / Shift+Insert paste (the browser's own paste event, which
   * xterm turns into input). Plain Ctrl+C stays an interrupt for the shell.
   */
  private onKey(e: KeyboardEvent): boolean {
    if (e.type !== "keydown") return true;
    const key = e.key.toLowerCase();
    if ((e.ctrlKey && e.shiftKey && key === "c") || (e.ctrlKey && key === "insert")) {
      e.preventDefault();
      void this.copySelection();
      return false;
    }
    if ((e.ctrlKey && e.shiftKey && key === "v") || (e.shiftKey && key === "insert")) {
      return false; // no preventDefault: the browser pastes into xterm's textarea
    }
    return true;
  }
}
