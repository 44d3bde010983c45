import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { RawData, WebSocket } from "ws";
import { toDrydockError } from "../common/errors.ts";
import {
  ClientMessage,
  CloseCode,
  HelloMessage,
  parseFrame,
  type ServerMessage,
  type TerminalId,
  type TerminalNode,
} from "./protocol.ts";
import type { PtySession, TerminalSink } from "./pty-session.ts";
import { RateLimit } from "./rate-limit.ts";
import type { SessionRegistry } from "./session-registry.ts";

/** Redeems the hello's single-use ticket (server/tickets.ts); throws when it is not good for this. */
export interface TicketRedeemer {
  redeem(
    ticket: unknown,
    grant:
      | { purpose: "terminal-open"; node: TerminalNode }
      | { purpose: "terminal-attach"; terminalId: TerminalId }
      | { purpose: "terminal-watch"; terminalId: TerminalId },
  ): { credential: string };
}

/**
 * Where a ticket's credential may act (server/lab-scopes.ts): the registry of its own lab (the
 * lead's for the token, a learner's own for theirs), and, for the lead only, any lab's terminal
 * to watch. Both throw when the credential may not.
 */
export interface TerminalScopes {
  registryFor(credential: string): { registry: SessionRegistry; onInput?: () => void };
  watchable(credential: string, terminalId: TerminalId): PtySession;
}

export interface TerminalSocketOptions {
  terminals: TerminalScopes;
  log: Logger;
  tickets: TicketRedeemer;
  /** Where refusals are logged, rate-limited (server/refusal-log.ts); `log` otherwise. */
  refusals?: { warn(key: string, fields: Record<string, unknown>, message: string): void };
  /** Close a socket that has not said `open` or `attach` within this time. */
  helloTimeoutMs?: number;
  /** Messages per second per socket, and the burst allowed above it. */
  rate?: { perSecond: number; burst: number };
  /** How often the agent pings; a socket that missed the previous ping is dropped. */
  heartbeatMs?: number;
  /** Input characters per second per socket, and the burst allowed above it (a big paste). */
  inputRate?: { perSecond: number; burst: number };
}

export const HELLO_TIMEOUT_MS = 5_000;
export const HEARTBEAT_MS = 30_000;
/** Typing is a few bytes a second; a 1 Mi-character paste goes through at once, a flood does not. */
export const DEFAULT_INPUT_RATE = { perSecond: 256 * 1024, burst: 1024 * 1024 };

// Frames that arrive between the hello and `ready` (a resize right after open, say) wait here.
const MAX_EARLY_FRAMES = 32;

/**
 * One terminal WebSocket, already authenticated at the upgrade (token, Host, Origin).
 * No process exists until a valid first frame: `open` starts a shell, `attach` joins one.
 */
export function handleTerminalSocket(ws: WebSocket, opts: TerminalSocketOptions): void {
  let onInput: (() => void) | undefined;
  /** A watching socket (the lead's read-only view): whatever it sends never reaches the shell. */
  let watching = false;
  const sinkId = randomUUID();
  const log = opts.log.child({ socket: sinkId.slice(0, 8) });
  const limiter = new RateLimit(opts.rate?.perSecond ?? 300, opts.rate?.burst ?? 600);
  const inputRate = opts.inputRate ?? DEFAULT_INPUT_RATE;
  const inputLimiter = new RateLimit(inputRate.perSecond, inputRate.burst);
  let refusedInputs = 0;
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
    const fields = { code, terminal: session?.id };
    if (opts.refusals) opts.refusals.warn(`terminal:${code}`, fields, `terminal socket refused: ${message}`);
    else log.warn(fields, `terminal socket refused: ${message}`);
    send({ type: "error", code, message });
    ws.close(closeCode, code);
    state = "closed";
  };
  const sink: TerminalSink = {
    id: sinkId,
    sendOutput: (data, onWritten) => {
      framesSent++;
      // The callback runs once ws has written the frame to the socket: only then may it be acked.
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: true }, () => onWritten());
    },
    sendControl: send,
    isOpen: () => ws.readyState === ws.OPEN,
    close: (code, reason) => {
      state = "closed";
      ws.close(code, reason.slice(0, 120));
    },
  };

  // A socket whose peer vanished without closing (a laptop that slept, a dropped network) would
  // keep control of its terminal forever: ping it now and then, and drop it if it never answers.
  let alive = true;
  ws.on("pong", () => {
    alive = true;
  });
  const heartbeat = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, opts.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  const helloTimer = setTimeout(
    () => fail(CloseCode.policy, "hello-timeout", "No `open` or `attach` frame arrived in time."),
    opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
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
    if (watching && msg.type !== "ack" && msg.type !== "ping") {
      // Dropped here, before the session sees it (which would refuse it as well: a watcher never controls).
      if (msg.type === "input" && refusedInputs++ % 50 === 0) {
        send({ type: "error", code: "read-only", message: "You are watching: this view is read-only." });
      }
      return;
    }
    switch (msg.type) {
      case "input": {
        if (!inputLimiter.take(msg.data.length)) {
          return fail(
            CloseCode.policy,
            "rate-limited",
            "Too much input on this socket: paste in smaller pieces.",
          );
        }
        const accepted = s.input(sinkId, msg.data);
        if (accepted) onInput?.();
        if (!accepted && refusedInputs++ % 50 === 0) {
          // Said now and then, not for every keystroke: the page shows it once.
          send({
            type: "error",
            code: "read-only",
            message: "This view is read-only: another view controls this terminal.",
          });
        }
        break;
      }
      case "resize":
        s.resize(sinkId, msg.cols, msg.rows); // a viewer's size is ignored
        break;
      case "release":
        s.release(sinkId);
        break;
      case "take":
        if (!s.take(sinkId)) send({ type: "role", role: s.roleOf(sinkId), controlFree: false });
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
      // The ticket is spent here, whatever happens next; only then does anything start. The
      // lab is the one the ticket's credential may use, never one the frame names.
      if (hello.type === "watch") {
        const { credential } = opts.tickets.redeem(hello.ticket, {
          purpose: "terminal-watch",
          terminalId: hello.terminalId,
        });
        session = opts.terminals.watchable(credential, hello.terminalId);
        watching = true;
      } else if (hello.type === "open") {
        const { credential } = opts.tickets.redeem(hello.ticket, {
          purpose: "terminal-open",
          node: hello.node,
        });
        const scope = opts.terminals.registryFor(credential);
        onInput = scope.onInput;
        session = await scope.registry.create(hello.node, hello.cols, hello.rows);
      } else {
        const { credential } = opts.tickets.redeem(hello.ticket, {
          purpose: "terminal-attach",
          terminalId: hello.terminalId,
        });
        const scope = opts.terminals.registryFor(credential);
        onInput = scope.onInput;
        session = scope.registry.get(hello.terminalId);
      }
      if (state === "closed") {
        // The socket went while the shell was starting; nobody learnt the new terminal's id.
        if (hello.type === "open") await session.close();
        return;
      }
      const role = await session.attach(
        sink,
        { cols: hello.cols, rows: hello.rows },
        { watchOnly: watching },
      );
      log.info({ terminal: session.id, node: session.node, hello: hello.type, role }, "terminal attached");
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
    clearInterval(heartbeat);
    state = "closed";
    session?.detach(sinkId);
  });
  ws.on("error", (err) => log.warn({ err: err.message }, "terminal socket error"));
}
