import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pty from "node-pty";
import pino from "pino";
import { consoleProgress } from "../lab-agent/src/cli/render.ts";
import { silentProgress } from "../lab-agent/src/common/progress.ts";
import { ensureEngine } from "../lab-agent/src/engine/ensure-engine.ts";
import { type LabContext, labDown, labUp } from "../lab-agent/src/lab/lab-lifecycle.ts";
import { containerName } from "../lab-agent/src/lab/lab-names.ts";
import { newAccessToken } from "../lab-agent/src/server/access-token.ts";
import { startAgentServer } from "../lab-agent/src/server/agent-server.ts";
import { dockerCliEnv } from "../lab-agent/src/terminal/docker-exec.ts";
import { TermClient } from "../lab-agent/test/support/agent-client.ts";

/**
 * Terminal figures: keystroke echo round trip (p50/p95) through the agent
 * (WebSocket → PTY → docker exec → bash → back) beside a bare `docker exec -it` PTY,
 * and output throughput of both. `--keys N` sets the keystroke count (default 200).
 */
export async function run(args: string[]): Promise<void> {
  const keys = Number(args[args.indexOf("--keys") + 1]) || 200;
  const figure = (name: string, value: number, unit: string) =>
    process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);
  const engine = await ensureEngine({ progress: consoleProgress(false) });
  const ctx: LabContext = {
    docker: engine.docker,
    lab: `benchterm${Date.now().toString(36)}`.slice(0, 24),
    home: mkdtempSync(join(tmpdir(), "drydock-bench-")),
    progress: silentProgress,
  };
  const token = newAccessToken();
  const server = await startAgentServer({
    host: "127.0.0.1",
    port: 0,
    token,
    docker: engine.docker,
    lab: ctx.lab,
    home: ctx.home,
    version: "bench",
    log: pino({ level: "warn" }),
  });
  try {
    await labUp(ctx);
    const agent = { origin: server.origin, token };

    // Through the agent.
    const viaAgent = new TermClient(agent, { tail: 8192 });
    await viaAgent.open("laptop");
    viaAgent.input("echo re-$((1+1))\r");
    await viaAgent.expectOutput(/re-2\r\n/);
    const agentRtts = await echoRtts(
      keys,
      (s) => viaAgent.input(s),
      (cb) => {
        viaAgent.ws.on("message", (d: Buffer, bin) => bin && cb(d.toString("utf8")));
      },
    );
    const agentMbps = await throughput(
      (s) => viaAgent.input(s),
      () => viaAgent.received,
      () => viaAgent.output,
    );
    viaAgent.close();

    // A bare PTY running docker exec, no agent in between.
    const bare = pty.spawn("docker", ["exec", "-it", containerName(ctx.lab, "laptop"), "bash", "-l"], {
      cols: 120,
      rows: 40,
      env: dockerCliEnv(engine.docker),
    });
    let bareOut = "";
    let bareBytes = 0;
    const listeners: Array<(s: string) => void> = [];
    bare.onData((d) => {
      bareBytes += Buffer.byteLength(d);
      bareOut = (bareOut + d).slice(-4096);
      for (const l of listeners) l(d);
    });
    bare.write("echo re-$((1+1))\r");
    await waitFor(() => /re-2\r\n/.test(bareOut), 30_000);
    const bareRtts = await echoRtts(
      keys,
      (s) => bare.write(s),
      (cb) => listeners.push(cb),
    );
    const bareMbps = await throughput(
      (s) => bare.write(s),
      () => bareBytes,
      () => bareOut,
    );
    bare.kill();

    figure("terminal.echo_rtt.agent.p50", percentile(agentRtts, 50), "ms");
    figure("terminal.echo_rtt.agent.p95", percentile(agentRtts, 95), "ms");
    figure("terminal.echo_rtt.bare_docker_exec.p50", percentile(bareRtts, 50), "ms");
    figure("terminal.echo_rtt.bare_docker_exec.p95", percentile(bareRtts, 95), "ms");
    figure("terminal.throughput.agent", agentMbps, "MB/s");
    figure("terminal.throughput.bare_docker_exec", bareMbps, "MB/s");
  } finally {
    await server.close();
    await labDown(ctx).catch(() => {});
  }
}

/** Types one character at a time and times until bash echoes it. */
async function echoRtts(
  n: number,
  type: (s: string) => void,
  listen: (cb: (s: string) => void) => void,
): Promise<number[]> {
  let waiting: { ch: string; resolve: () => void } | undefined;
  listen((s) => {
    if (waiting && s.includes(waiting.ch)) waiting.resolve();
  });
  const rtts: number[] = [];
  for (let i = 0; i < n; i++) {
    const ch = "abcdefghij"[i % 10] as string;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      waiting = { ch, resolve };
      type(ch);
    });
    rtts.push(performance.now() - started);
    if (i % 50 === 49) type("\x15"); // Ctrl-U: keep the line short
  }
  type("\x15");
  return rtts;
}

/** Prints ~67 MB (50 MB of random bytes as base64) and measures MB/s until the marker. */
async function throughput(
  type: (s: string) => void,
  bytes: () => number,
  tail: () => string,
): Promise<number> {
  await new Promise((r) => setTimeout(r, 300));
  const start = bytes();
  const started = performance.now();
  type("head -c 50000000 /dev/urandom | base64; echo tp-$((5*5))\r");
  await waitFor(() => /tp-25\r\n/.test(tail()), 300_000);
  return (bytes() - start) / 1e6 / ((performance.now() - started) / 1000);
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
