import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import { toDrydockError } from "../common/errors.ts";
import { ClientMessage, CloseCode, HelloMessage, parseFrame, type ServerMessage } from "./protocol.ts";
import type { PtySession, TerminalSink } from "./pty-session.ts";
import { RateLimit } from "./rate-limit.ts";
import type { SessionRegistry } from "./session-registry.ts";

export interface TerminalSocketOptions {
  registry: SessionRegistry;
  log: Logger;
  /** Close a socket that has not said `open` or `attach` within this time. */
  helloTimeoutMs?: number;
  /** Messages per second per socket, and the burst allowed above it. */
  rate?: { perSecond: number; burst: number };
}

// Frames that arrive between the hello and `ready` (a resize right after open, say) wait here.
const MAX_EARLY_FRAMES = 32;

/**
 * One terminal WebSocket, already authenticated at the upgrade (token, Host, Origin).
 * No process exists until a valid first frame: `open` starts a shell, `attach` joins one.
 */
export function handleTerminalSocket(ws: WebSocket, opts: TerminalSocketOptions): void {
  const { registry } = opts;
  const sinkId = randomUUID();
  const log = opts.log.child({ socket: sinkId.slice(0, 8) });
  const limiter = new RateLimit(opts.rate?.perSecond ?? 300, opts.rate?.burst ?? 600);
  let state: "hello" | "starting" | "live" | "closed" = "hello";
  let session: PtySession | undefined;
  const early: string[] = [];
  let framesSent = 0;
  let acks = 0;

  const send = (message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const fail = (closeCode: number, code: string, message: string) => {
    if (state === "closed") return;
    log.warn({ code, terminal: session?.id }, `terminal socket refused: ${message}`);
    send({ type: "error", code, message });
    ws.close(closeCode, code);
    state = "closed";
  };
  const sink: TerminalSink = {
    id: sinkId,
    sendOutput: (data) => {
      framesSent++;
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: true });
    },
    sendControl: send,
    close: (code, reason) => {
      state = "closed";
      ws.close(code, reason.slice(0, 120));
    },
  };

  const helloTimer = setTimeout(
    () => fail(CloseCode.policy, "hello-timeout", "No `open` or `attach` frame arrived in time."),
    opts.helloTimeoutMs ?? 10_000,
  );

  const onLive = (text: string) => {
    const parsed = parseFrame(ClientMessage, text);
    if (!parsed.ok) return fail(CloseCode.policy, "bad-frame", parsed.reason);
    const msg = parsed.value;
    // Acks follow output (one per frame is the simple client), so they are bounded by the
    // frames sent, not by the rate limit; everything else is.
    if (msg.type === "ack") {
      if (++acks > framesSent + 64)
        return fail(CloseCode.policy, "bad-frame", "More acks than output frames.");
    } else if (!limiter.take()) {
      return fail(CloseCode.policy, "rate-limited", "Too many messages on this socket.");
    }
    const s = session as PtySession;
    switch (msg.type) {
      case "input":
        s.input(msg.data);
        break;
      case "resize":
        s.resize(msg.cols, msg.rows);
        break;
      case "ack":
        s.ack(sinkId, msg.bytes);
        break;
      case "ping":
        send({ type: "pong", ...(msg.t !== undefined ? { t: msg.t } : {}) });
        break;
    }
  };

  const start = async (hello: HelloMessage) => {
    try {
      if (hello.type === "open") {
        session = await registry.create(hello.node, hello.cols, hello.rows);
      } else {
        session = registry.get(hello.terminalId);
        session.resize(hello.cols, hello.rows);
      }
      if (state === "closed") {
        // The socket went while the shell was starting; nobody learnt the new terminal's id.
        if (hello.type === "open") await session.close();
        return;
      }
      await session.attach(sink);
      log.info({ terminal: session.id, node: session.node, hello: hello.type }, "terminal attached");
      state = "live";
      for (const text of early.splice(0)) onLive(text);
    } catch (err) {
      const error = toDrydockError(err);
      fail(
        error.code === "too-many" ? CloseCode.tryAgainLater : CloseCode.policy,
        error.code,
        `${error.message}${error.hint ? ` ${error.hint}` : ""}`,
      );
    }
  };

  ws.on("message", (data: RawData, isBinary: boolean) => {
    if (state === "closed") return;
    if (state !== "live" && !limiter.take()) {
      return fail(CloseCode.policy, "rate-limited", "Too many messages on this socket.");
    }
    if (isBinary) return fail(CloseCode.unsupportedData, "bad-frame", "Send JSON text frames only.");
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString("utf8");
    if (state === "live") return onLive(text);
    if (state === "starting") {
      if (early.length >= MAX_EARLY_FRAMES) return fail(CloseCode.policy, "bad-frame", "Wait for `ready`.");
      early.push(text);
      return;
    }
    clearTimeout(helloTimer);
    const hello = parseFrame(HelloMessage, text);
    if (!hello.ok)
      return fail(CloseCode.policy, "bad-frame", `The first frame must be open or attach: ${hello.reason}`);
    state = "starting";
    void start(hello.value);
  });
  ws.on("close", () => {
    clearTimeout(helloTimer);
    state = "closed";
    session?.detach(sinkId);
  });
  ws.on("error", (err) => log.warn({ err: err.message }, "terminal socket error"));
}
