import "@xterm/xterm/css/xterm.css";
import { Terminal } from "@xterm/xterm";
import { AgentRequestError, mintTicket } from "./agent-api.ts";
import { parseServerFrame } from "./terminal-protocol.ts";

/**
 * The workshop lead's read-only view of a learner's terminal: a `terminal-watch` ticket, then a
 * `watch` hello on the terminal socket. The agent sends the screen and live output and drops
 * anything this socket sends but acks and pings; this view sends nothing else (stdin is off).
 */
export class WatchView {
  readonly term: Terminal;
  private ws: WebSocket | undefined;

  constructor(
    container: HTMLElement,
    private readonly terminalId: string,
    private readonly onState: (text: string) => void,
  ) {
    this.term = new Terminal({
      disableStdin: true,
      cursorBlink: false,
      fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
      fontSize: 13,
      scrollback: 2000,
      theme: { background: "#11161d", foreground: "#e6edf3" },
    });
    this.term.open(container);
  }

  async connect(): Promise<void> {
    this.onState("connecting…");
    let ticket: string;
    try {
      ticket = await mintTicket({ purpose: "terminal-watch", terminalId: this.terminalId });
    } catch (err) {
      this.onState(err instanceof AgentRequestError ? err.message : "The agent did not answer.");
      return;
    }
    const ws = new WebSocket(
      `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/terminal`,
    );
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () =>
      ws.send(
        JSON.stringify({
          type: "watch",
          ticket,
          terminalId: this.terminalId,
          cols: this.term.cols,
          rows: this.term.rows,
        }),
      );
    ws.onmessage = (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) {
        const bytes = new Uint8Array(e.data);
        this.term.write(bytes, () => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ack", bytes: bytes.length }));
        });
        return;
      }
      const frame = parseServerFrame(String(e.data));
      if (!frame) return;
      if (frame.type === "ready") {
        this.term.resize(frame.terminal.cols, frame.terminal.rows);
        this.onState("watching (read-only)");
      } else if (frame.type === "size") this.term.resize(frame.cols, frame.rows);
      else if (frame.type === "exit") this.onState(`the shell ended (exit ${frame.code})`);
      else if (frame.type === "error" && frame.code !== "read-only") this.onState(frame.message);
    };
    ws.onclose = () => this.onState("closed");
  }

  close(): void {
    this.ws?.close();
    this.term.dispose();
  }
}
