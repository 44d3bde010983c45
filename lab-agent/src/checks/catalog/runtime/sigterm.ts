import { constants } from "node:os";
import type Docker from "dockerode";
import { z } from "zod";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { sleep, splitStreams } from "../../engine-reads.ts";
import { withClone } from "../../probes/clone.ts";
import { fastHealthcheck, healthTest } from "../../probes/healthcheck.ts";
import { describeChain, type SignalPath, signalPath, type TopResult } from "../../probes/process-tree.ts";
import { logTail, type ScratchState, stateOf } from "../../probes/scratch.ts";
import { ContainerParam, CTR_SOURCE, collectContainer, noContainer, runtimeCheck } from "./define.ts";

/** What the stop probe saw (the fixtures record this shape). */
export interface StopProbe {
  /** The copy's state just before the stop, and how it was judged ready. */
  before: ScratchState;
  ready: string;
  /** The copy's process tree before the stop. */
  top?: TopResult;
  seconds: number;
  timeout: number;
  signal: string;
  after: ScratchState;
  logTail: string;
  differences: string[];
  notCopied: string[];
  image: string;
}

export function signalNumber(signal: string): number | undefined {
  const s = signal.trim().toUpperCase();
  if (/^\d+$/.test(s)) return Number(s);
  const name = (s.startsWith("SIG") ? s : `SIG${s}`) as keyof typeof constants.signals;
  return constants.signals[name];
}

function short(args: string, n = 40): string {
  return args.length > n ? `${args.slice(0, n)}…` : args;
}

function blockerNote(path: SignalPath | undefined): string {
  if (!path?.blocker) return "";
  const who = path.blocker === path.pid1 ? "PID 1 is" : `${path.pid1.program} (PID 1) runs`;
  return `: ${who} ${path.blocker.program} (${short(path.blocker.args)}), which does not pass it on`;
}

export function evaluateSigterm(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  probe: StopProbe | undefined,
  maxSeconds: number,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  if (!probe) return checkError("Can't tell, because the stop probe did not run.");
  const source = `probe: a copy of ${name} (image ${probe.image.slice(7, 19)})`;
  const evidence: Evidence[] = [
    { source, field: "differences from the original", observed: probe.differences },
    {
      source,
      field: "before the stop",
      observed: `${probe.before.Status}, ${probe.ready}`,
      expected: "running (healthy when it has a healthcheck)",
    },
  ];
  if (probe.notCopied.length > 0)
    evidence.push({ source, field: "files not copied", observed: probe.notCopied });
  if (!probe.before.Running) {
    evidence.push({ source, field: "last lines", observed: probe.logTail });
    return checkError(
      `Can't tell, because the copy of ${name} did not stay up (exit ${probe.before.ExitCode}) to be stopped; its last lines are in the evidence.`,
      evidence,
    );
  }
  const tree = probe.top && pathFromTop(probe.top);
  if (tree) evidence.push({ source, field: "PID 1 → app", observed: describeChain(tree) });
  const code = probe.after.ExitCode;
  const signo = signalNumber(probe.signal) ?? 15;
  evidence.push(
    {
      source: `${source}: POST /containers/{copy}/stop?t=${probe.timeout}`,
      field: "seconds to stop",
      observed: Number(probe.seconds.toFixed(2)),
      expected: `< ${maxSeconds} (the grace period is ${probe.timeout})`,
    },
    {
      source: `${source}: GET /containers/{copy}/json`,
      field: "State.ExitCode",
      observed: code,
      expected: `0, or ${128 + signo} (${probe.signal} ended it), not 137 (SIGKILL after the grace period)`,
    },
    { source, field: "State.OOMKilled", observed: probe.after.OOMKilled, expected: "false" },
    { source: CTR_SOURCE, field: "Config.StopSignal", observed: probe.signal },
  );
  const withTail = () => evidence.push({ source, field: "last lines", observed: probe.logTail });
  if (code === 137 && probe.after.OOMKilled)
    return checkError(
      `Can't tell, because the copy was killed for lack of memory, not by the stop (its memory limit is ${info.HostConfig.Memory || "none"}).`,
      evidence,
    );
  if (code === 137) {
    withTail();
    return probe.seconds >= probe.timeout - 0.5
      ? fail(
          `docker stop waited the whole ${probe.timeout} s grace period and killed the app (exit 137): it never acted on ${probe.signal}${blockerNote(tree)}.`,
          evidence,
        )
      : fail(
          `The app was killed (exit 137) ${probe.seconds.toFixed(1)} s into the stop, before the grace period ended.`,
          evidence,
        );
  }
  if (code !== 0 && code !== 128 + signo) {
    withTail();
    return fail(
      `docker stop ended the app with exit code ${code} after ${probe.seconds.toFixed(1)} s: it failed while shutting down${tree?.blocker ? ` (${tree.blocker.program} runs it)` : ""}.`,
      evidence,
    );
  }
  // An init reports its child's death: if that child is a shell, the app below it never saw the signal.
  if (code === 128 + signo && tree?.blocker && tree.blocker !== tree.pid1 && tree.pid1.role !== "shell") {
    withTail();
    return fail(
      `Exit ${code} came from ${tree.blocker.program}, which ${tree.pid1.program} (PID 1) runs: the app under it got no ${probe.signal} and was killed with the container.`,
      evidence,
    );
  }
  if (probe.seconds >= maxSeconds)
    return fail(
      `The app exited ${code}, but took ${probe.seconds.toFixed(1)} s to stop (at most ${maxSeconds} s is wanted).`,
      evidence,
    );
  return pass(`docker stop ended the app with exit code ${code} in ${probe.seconds.toFixed(1)} s.`, evidence);
}

/** The signal path from a top taken of the copy (its PID 1 is the process whose parent is outside). */
export function pathFromTop(top: TopResult): SignalPath | undefined {
  const pids = new Set(top.Processes.map((p) => p[top.Titles.indexOf("PID")]));
  const ppidCol = top.Titles.indexOf("PPID");
  const pidCol = top.Titles.indexOf("PID");
  // Health-probe execs also have a parent outside: PID 1 is the outside-parented process with the lowest pid.
  const roots = top.Processes.filter((p) => !pids.has(p[ppidCol])).sort(
    (a, b) => Number(a[pidCol]) - Number(b[pidCol]),
  );
  const root = roots[0];
  return root ? signalPath(top, Number(root[pidCol])) : undefined;
}

export const sigterm = runtimeCheck({
  id: "container.sigterm",
  title: "docker stop ends the app cleanly",
  kind: "probe",
  watches: { objects: ["container", "image"] },
  params: z
    .object({
      container: ContainerParam,
      maxSeconds: z.number().positive().max(30).default(5),
      stopTimeout: z.number().int().min(1).max(60).default(10),
      /** How long the copy may take to become healthy before it is stopped anyway. */
      readySeconds: z.number().int().min(3).max(120).default(30),
    })
    .strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    if (!info?.State.Running) return { info, probe: undefined };
    const docker = await ctx.lab.engine("laptop");
    const hc = info.Config.Healthcheck as { Test?: string[] } | undefined;
    const config = info.Config as { StopSignal?: string; StopTimeout?: number };
    const timeout = config.StopTimeout ?? p.stopTimeout;
    const healthcheck = fastHealthcheck(hc, { startSeconds: p.readySeconds });
    const run = await withClone(
      docker,
      info,
      {
        lab: ctx.lab.lab,
        check: "container.sigterm",
        name: `${p.container}-sigterm`,
        ...(healthcheck ? { healthcheck } : {}),
      },
      async (c) => {
        // Stop only once the app is up: a signal that comes before its handler exists proves nothing.
        // A healthcheck alone is not enough (one that always passes is healthy at once): the copy must
        // also have logged as many start-up lines as the original did (up to 3).
        const linesOf = async (ctr: Docker.Container, opts: { since?: number; until?: number }) => {
          const buf = (await ctr
            .logs({ stdout: true, stderr: true, ...opts })
            .catch(() => Buffer.alloc(0))) as Buffer;
          const { stdout, stderr } = splitStreams(buf);
          return `${stdout}${stderr}`.split("\n").filter((l) => l.trim() !== "").length;
        };
        const since = Math.floor(Date.parse(info.State.StartedAt) / 1000) - 1;
        const wantLines = Math.min(
          3,
          await linesOf(docker.getContainer(info.Id), { since, until: since + 16 }),
        );
        const hasHc = healthTest(hc) !== undefined;
        const deadline = Date.now() + p.readySeconds * 1000;
        let up = await c.inspect();
        let lines = 0;
        while (up.State.Running && Date.now() < deadline) {
          lines = await linesOf(c, {});
          if ((!hasHc || up.State.Health?.Status === "healthy") && lines >= wantLines) break;
          await sleep(300);
          up = await c.inspect();
        }
        const logged = `${lines} of ${wantLines} start-up log lines`;
        let ready = hasHc
          ? `health ${up.State.Health?.Status ?? "none"}, ${logged}`
          : `no healthcheck, ${logged}`;
        if (up.State.Running && Date.now() >= deadline)
          ready = `not ready within ${p.readySeconds} s (${ready}): stopped anyway`;
        // A moment for the handler the last start-up line announced.
        if (up.State.Running) {
          await sleep(hasHc ? 500 : 2000);
          up = await c.inspect();
        }
        const before = stateOf(up);
        if (!before.Running)
          return { before, ready, seconds: 0, after: before, logTail: await logTail(c), top: undefined };
        const top = (await c.top({ ps_args: "-o pid,ppid,args" }).catch(() => undefined)) as
          | TopResult
          | undefined;
        const started = performance.now();
        await c.stop({ t: timeout }).catch(() => {});
        const seconds = (performance.now() - started) / 1000;
        return { before, ready, top, seconds, after: stateOf(await c.inspect()), logTail: await logTail(c) };
      },
    );
    const probe: StopProbe = {
      ...run.result,
      ...(run.result.top ? { top: run.result.top } : {}),
      timeout,
      signal: config.StopSignal ?? "SIGTERM",
      differences: run.plan.differences,
      notCopied: run.notCopied,
      image: info.Image,
    };
    return { info, probe };
  },
  evaluate: (f, p) => evaluateSigterm(p.container, f.info, f.probe, p.maxSeconds),
});
