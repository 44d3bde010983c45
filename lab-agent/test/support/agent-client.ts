import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import headlessPkg from "@xterm/headless";
import WebSocket from "ws";
import { repoRoot } from "../../src/common/paths.ts";
import { ServerMessage } from "../../src/terminal/protocol.ts";

const { Terminal } = headlessPkg;
const BIN = join(repoRoot, "lab-agent", "bin", "drydock.mjs");

export interface RunningAgent {
  child: ChildProcess;
  pid: number;
  origin: string;
  port: number;
  token: string;
  stdout: () => string;
  stderr: () => string;
  /** Ctrl-C, as a person would; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** Runs the real `drydock start --no-open --port 0` and waits for its URL. */
export async function startAgent(opts: {
  home: string;
  lab: string;
  args?: string[];
}): Promise<RunningAgent> {
  const child = spawn(
    process.execPath,
    [BIN, "start", "--no-open", "--port", "0", "--lab", opts.lab, ...(opts.args ?? [])],
    { env: { ...process.env, DRYDOCK_HOME: opts.home }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /Drydock is running: (http:\/\/[^/\s]+)\/#token=/.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`drydock start exited ${code}:\n${out}\n${err}`));
    });
  });
  const token = readFileSync(join(opts.home, "agent-token"), "utf8").trim();
  return {
    child,
    pid: child.pid as number,
    origin,
    port: Number(new URL(origin).port),
    token,
    stdout: () => out,
    stderr: () => err,
    async stop(signal = "SIGINT") {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function api(agent: RunningAgent, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${agent.origin}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${agent.token}`, ...(init.headers as Record<string, string>) },
  });
}

/** Mints a single-use ticket (POST /api/tickets with the token); throws on any refusal. */
export async function mintTicket(
  agent: Pick<RunningAgent, "origin" | "token">,
  grant:
    | { purpose: "terminal-open"; node: string }
    | { purpose: "terminal-attach"; terminalId: string }
    | { purpose: "check-events"; block: string },
): Promise<string> {
  const res = await fetch(`${agent.origin}/api/tickets`, {
    method: "POST",
    headers: { Authorization: `Bearer ${agent.token}`, "Content-Type": "application/json" },
    body: JSON.stringify(grant),
  });
  const body = (await res.json()) as { ticket?: string; error?: { message: string } };
  if (res.status !== 201 || !body.ticket)
    throw new Error(`ticket refused (${res.status}): ${body.error?.message}`);
  return body.ticket;
}

/**
 * Reads a Server-Sent Events stream until `pick` returns something for an event's data
 * (JSON), or the time runs out. Closes the stream either way.
 */
export async function awaitServerEvent<T>(
  res: Response,
  event: string,
  pick: (data: unknown) => T | undefined,
  timeoutMs: number,
): Promise<T> {
  if (!res.body) throw new Error(`no body on ${res.url} (HTTP ${res.status})`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  let buffered = "";
  const seen: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let end = buffered.indexOf("\n\n");
      while (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf("\n\n");
        const lines = block.split("\n");
        const name = lines.find((l) => l.startsWith("event: "))?.slice(7);
        const data = lines
          .filter((l) => l.startsWith("data: "))
          .map((l) => l.slice(6))
          .join("\n");
        if (name !== event || !data) continue;
        seen.push(data.slice(0, 200));
        const found = pick(JSON.parse(data));
        if (found !== undefined) return found;
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  throw new Error(`no matching "${event}" event within ${timeoutMs / 1000} s; saw:\n${seen.join("\n")}`);
}

/** Resident memory of a process, from /proc, in bytes. */
export function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  return Number(line?.[1] ?? 0) * 1024;
}

export interface ClientOptions {
  headers?: Record<string, string>;
  /** Parse output with a headless xterm and ack from its write callback, as a browser tab does. */
  xterm?: boolean;
  /** Keep only the last N characters of output (for floods). */
  tail?: number;
}

/** A terminal WebSocket client speaking the agent's protocol, for tests and the benchmark. */
export class TermClient {
  readonly ws: WebSocket;
  output = "";
  received = 0;
  acked = 0;
  /** The most bytes ever received and not yet acked. */
  maxUnacked = 0;
  readonly controls: ServerMessage[] = [];
  closed: { code: number; reason: string } | undefined;
  private readonly term: InstanceType<typeof Terminal> | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly opened: Promise<void>;
  private readonly tailSize: number | undefined;
  /** Set false to stop acking (a client that stops reading or forges its acks). */
  autoAck = true;

  constructor(
    private readonly agent: Pick<RunningAgent, "origin" | "token">,
    opts: ClientOptions = {},
  ) {
    const url = `${agent.origin.replace(/^http/, "ws")}/ws/terminal`;
    // A browser sends no credential on the upgrade: the ticket in the first frame is the credential.
    this.ws = new WebSocket(url, { headers: { ...opts.headers } });
    this.tailSize = opts.tail;
    this.term = opts.xterm ? new Terminal({ cols: 120, rows: 40, allowProposedApi: true }) : undefined;
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) =>
        reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })),
      );
      this.ws.once("error", reject);
    });
    this.ws.on("message", (data: Buffer, isBinary) => {
      if (isBinary) {
        this.received += data.length;
        this.maxUnacked = Math.max(this.maxUnacked, this.received - this.acked);
        if (this.term) {
          this.term.write(data, () => this.ack(data.length));
          this.output = (this.output + data.toString("utf8")).slice(-4096); // just the tail
        } else {
          this.output += data.toString("utf8");
          if (this.tailSize) this.output = this.output.slice(-this.tailSize);
          this.ack(data.length);
        }
      } else {
        this.controls.push(ServerMessage.parse(JSON.parse(data.toString("utf8"))));
      }
      this.notify();
    });
    this.ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  connected(): Promise<void> {
    return this.opened;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  async open(node: string, cols = 120, rows = 40): Promise<string> {
    const ticket = await mintTicket(this.agent, { purpose: "terminal-open", node });
    await this.opened;
    this.send({ type: "open", ticket, node, cols, rows });
    const ready = await this.until("ready", () => this.controls.find((c) => c.type === "ready"));
    return ready.type === "ready" ? ready.terminal.id : "";
  }

  /** Attaches with a fresh ticket; resolves with this socket's role. */
  async attach(terminalId: string, cols = 120, rows = 40): Promise<"controller" | "viewer"> {
    const ticket = await mintTicket(this.agent, { purpose: "terminal-attach", terminalId });
    await this.opened;
    this.send({ type: "attach", ticket, terminalId, cols, rows });
    const ready = await this.until("ready", () => this.controls.find((c) => c.type === "ready"));
    return ready.type === "ready" ? ready.role : "viewer";
  }

  input(data: string): void {
    this.send({ type: "input", data });
  }

  /** Waits until the output (since `from`) matches. */
  async expectOutput(pattern: RegExp, timeoutMs = 30_000, from = 0): Promise<RegExpExecArray> {
    return this.until(
      `output matching ${pattern}`,
      () => pattern.exec(this.output.slice(from)) ?? undefined,
      timeoutMs,
    );
  }

  until<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const tryNow = () => {
        const value = check();
        if (value !== undefined) {
          cleanup();
          resolve(value);
        } else if (this.closed && what !== "close") {
          cleanup();
          reject(
            new Error(
              `socket closed (${this.closed.code} ${this.closed.reason}) waiting for ${what}; output:\n${this.output.slice(-2000)}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${what}; output:\n${this.output.slice(-2000)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(tryNow);
      };
      this.waiters.add(tryNow);
      tryNow();
    });
  }

  waitClosed(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    return this.until("close", () => this.closed, timeoutMs);
  }

  close(): void {
    this.ws.close();
    this.term?.dispose();
  }

  private ack(bytes: number): void {
    if (!this.autoAck) return;
    this.acked += bytes;
    if (this.ws.readyState === WebSocket.OPEN) this.send({ type: "ack", bytes });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Output without CSI sequences (bracketed-paste toggles and the like), for matching. */
export function stripControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
}
