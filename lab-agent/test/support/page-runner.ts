/**
 * Runs a page's steps (page-steps.ts) in a lab the way a learner does: each node's commands in
 * one login shell started exactly as a browser terminal starts it (terminalArgv: the host docker
 * CLI, `docker exec … bash -l`, in /workspace on laptop), kept open for the whole page, so `cd`
 * and variables carry over between steps. Only the terminal's `-t` is left out: the test reads
 * the output as a stream and marks the end of each step, instead of watching a screen.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { TerminalNode } from "../../src/course/lab-nodes.ts";
import { dockerCliEnv, hangUp, terminalArgv } from "../../src/terminal/docker-exec.ts";
import { execIn } from "./lab-helpers.ts";
import type { CommandStep, FileStep, PageSteps, StartStep, Step, StepNode } from "./page-steps.ts";

export interface StepOutcome {
  status: number;
  output: string;
  timedOut: boolean;
  ms: number;
}

const TAIL_LINES = 30;

export function tail(text: string, lines = TAIL_LINES): string {
  return text.replace(/\s+$/, "").split("\n").slice(-lines).join("\n");
}

/** One node's login shell for one page. */
class NodeShell {
  private child: ChildProcessWithoutNullStreams;
  private buffer = "";
  private waiters: Array<() => void> = [];
  private closed = false;
  readonly id = randomBytes(16).toString("hex");

  constructor(
    private readonly docker: Docker,
    private readonly lab: string,
    readonly node: TerminalNode,
  ) {
    const argv = terminalArgv(lab as Parameters<typeof terminalArgv>[0], node, this.id as never).map((a) =>
      a === "-it" ? "-i" : a,
    );
    this.child = spawn("docker", argv, { env: dockerCliEnv(docker), stdio: ["pipe", "pipe", "pipe"] });
    const take = (d: Buffer): void => {
      this.buffer += d.toString("utf8");
      for (const w of this.waiters.splice(0)) w();
    };
    this.child.stdout.on("data", take);
    this.child.stderr.on("data", take);
    this.child.on("close", () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async run(step: CommandStep): Promise<StepOutcome> {
    const t0 = performance.now();
    const nonce = randomBytes(8).toString("hex");
    const end = `__DD_END_${nonce}`;
    const b64 = Buffer.from(step.cmd, "utf8").toString("base64");
    // The step's status: the first top-level command that fails (the ERR trap), else 0.
    const script = step.live
      ? `timeout -k 5 -s INT ${step.timeout} bash -c "$(printf %s '${b64}' | base64 -d)" </dev/null 2>&1; __dd_e=$?\n`
      : `__dd_e=0; trap '__dd_s=$?; [ "$__dd_e" = 0 ] && __dd_e=$__dd_s' ERR\n` +
        `eval "$(printf %s '${b64}' | base64 -d)" </dev/null 2>&1\n` +
        `trap - ERR\n`;
    this.buffer = "";
    this.child.stdin.write(`${script}printf '\\n${end} %s\\n' "$__dd_e"\n`);
    const deadline = Date.now() + (step.live ? step.timeout + 20 : step.timeout) * 1000;
    const re = new RegExp(`\\n?${end} (\\d+)\\n`);
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        return {
          status: Number(m[1]),
          output: this.buffer.slice(0, m.index),
          timedOut: false,
          ms: performance.now() - t0,
        };
      }
      if (this.closed || Date.now() > deadline) {
        const output = this.buffer;
        const ended = this.closed;
        await this.close();
        return { status: ended ? -1 : -2, output, timedOut: !ended, ms: performance.now() - t0 };
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 1000);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  get alive(): boolean {
    return !this.closed;
  }

  async close(): Promise<void> {
    if (!this.closed) {
      this.child.stdin.end("exit\n");
      await new Promise((r) => setTimeout(r, 200));
    }
    // As closing a terminal does: the shell and whatever it still runs get a SIGHUP in the node.
    await hangUp(this.docker, this.lab as Parameters<typeof hangUp>[1], this.node, this.id as never).catch(
      () => {},
    );
    this.child.kill("SIGKILL");
  }
}

/**
 * A `node=host` step: run on the learner's machine (here, the test's), e.g. `docker pause` of a
 * lab container. The lab is `default` on the page; the test's own lab id replaces it in
 * `drydock-default-…` container names and `--lab default`.
 */
async function runOnHost(docker: Docker, lab: string, step: CommandStep): Promise<StepOutcome> {
  const t0 = performance.now();
  const cmd = step.cmd
    .replaceAll("drydock-default-", `drydock-${lab}-`)
    .replaceAll("--lab default", `--lab ${lab}`);
  const b64 = Buffer.from(cmd, "utf8").toString("base64");
  const script =
    `__dd_e=0; trap '__dd_s=$?; [ "$__dd_e" = 0 ] && __dd_e=$__dd_s' ERR\n` +
    `eval "$(printf %s '${b64}' | base64 -d)" </dev/null 2>&1\ntrap - ERR; exit $__dd_e\n`;
  return await new Promise((resolve) => {
    const child = spawn("bash", ["-c", script], {
      env: dockerCliEnv(docker),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), step.timeout * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -2, output, timedOut: code === null, ms: performance.now() - t0 });
    });
  });
}

export interface PageReport {
  page: string;
  steps: Array<{ line: number; node: StepNode; ms: number; what: string }>;
  ms: number;
}

export class PageFailure extends Error {}

/** Writes a `file=` fence's content where the page says (relative to /workspace on laptop). */
async function writeFile(docker: Docker, lab: string, step: FileStep): Promise<void> {
  const path = step.path.startsWith("/") ? step.path : `/workspace/${step.path}`;
  const b64 = Buffer.from(step.content, "utf8").toString("base64");
  const r = await execIn(docker, lab, step.node, [
    "sh",
    "-c",
    'mkdir -p "$(dirname "$1")" && printf %s "$2" | base64 -d > "$1"',
    "sh",
    path,
    b64,
  ]);
  if (r.code !== 0) throw new PageFailure(`could not write ${path} on ${step.node}: ${r.output}`);
}

function describeStep(page: PageSteps, step: Step, index: number): string {
  return `${page.id} (${page.file}:${step.line}), step ${index + 1} of ${page.steps.length}`;
}

/**
 * Reaches a mid-page `<StartingPoint>` (`drydock solve`, `drydock lab swarm`): given by the test,
 * which knows the lab's home. Resolves to what it ran, throws (a PageFailure) when that failed.
 */
export type StartHandler = (step: StartStep) => Promise<string>;

/** Runs every step of a page in order; throws a PageFailure naming page, command, node, status and output tail. */
export async function runPage(
  docker: Docker,
  lab: string,
  page: PageSteps,
  start?: StartHandler,
): Promise<PageReport> {
  const t0 = performance.now();
  const shells = new Map<TerminalNode, NodeShell>();
  const report: PageReport = { page: page.id, steps: [], ms: 0 };
  try {
    for (const [i, step] of page.steps.entries()) {
      if (step.kind === "file") {
        const s0 = performance.now();
        await writeFile(docker, lab, step);
        report.steps.push({
          line: step.line,
          node: step.node,
          ms: performance.now() - s0,
          what: `file ${step.path}`,
        });
        continue;
      }
      if (step.kind === "start") {
        if (!start)
          throw new PageFailure(`${describeStep(page, step, i)}: a <StartingPoint> and no way to reach it`);
        // The shells stay open: a learner's terminals do not close while a solve runs.
        const s0 = performance.now();
        const what = await start(step);
        report.steps.push({ line: step.line, node: "host", ms: performance.now() - s0, what });
        continue;
      }
      let out: StepOutcome;
      if (step.node === "host") out = await runOnHost(docker, lab, step);
      else {
        let shell = shells.get(step.node);
        if (!shell?.alive) {
          shell = new NodeShell(docker, lab, step.node);
          shells.set(step.node, shell);
        }
        out = await shell.run(step);
      }
      report.steps.push({
        line: step.line,
        node: step.node,
        ms: out.ms,
        what: step.cmd.split("\n")[0]?.slice(0, 60) ?? "",
      });
      const problems: string[] = [];
      if (out.timedOut) problems.push(`did not finish within ${step.timeout} s`);
      else if (out.status === -1) problems.push("its shell ended");
      else if (step.live) {
        if (step.expect ? !step.expect.test(out.output) : ![0, 124, 130].includes(out.status))
          problems.push(step.expect ? `output does not match /${step.expect.source}/` : `exit ${out.status}`);
      } else {
        if (out.status !== step.exit) problems.push(`exit ${out.status}, expected ${step.exit}`);
        if (step.expect && !step.expect.test(out.output))
          problems.push(`output does not match /${step.expect.source}/`);
      }
      if (problems.length > 0) {
        throw new PageFailure(
          `${describeStep(page, step, i)} on ${step.node}: ${problems.join("; ")}\n` +
            `$ ${step.cmd.split("\n").join("\n> ")}\n--- last ${TAIL_LINES} lines of output ---\n${tail(out.output)}`,
        );
      }
    }
  } finally {
    await Promise.all([...shells.values()].map((s) => s.close()));
    report.ms = performance.now() - t0;
  }
  return report;
}
