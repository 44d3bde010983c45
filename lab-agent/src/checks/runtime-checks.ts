import type Docker from "dockerode";
import { z } from "zod";
import type { CheckContext } from "./check-definition.ts";
import { defineCheck } from "./check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "./check-result.ts";
import { collectImage, type ImageRecord } from "./collect-image.ts";
import { CHECK_LABEL, inspectContainer, sleep, splitStreams } from "./engine-reads.ts";
import { mask, secretValues } from "./secret-scan.ts";

const ImageParam = z.string().min(1).default("registry:5000/reg-case-platform:dev");
const ContainerParam = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
  .default("case-api");
const CTR_SOURCE = "laptop: GET /containers/{name}/json";

type Health = { Status?: string; FailingStreak?: number; Log?: Array<{ ExitCode: number; Output: string }> };
interface ScratchRun {
  state: { Status: string; ExitCode: number; OOMKilled: boolean; Health?: Health; RestartCount?: number };
  seconds: number;
  logTail: string;
}

/** Fast probing for drills: the image's own probe, every second, failures during start not counted. */
function fastHealthcheck(test: string[] | undefined, startSeconds: number) {
  if (!test || test[0] === "NONE") return undefined;
  return { Test: test, Interval: 1e9, Timeout: 5e9, Retries: 3, StartPeriod: startSeconds * 1e9 };
}

async function logTail(c: Docker.Container, lines = 5): Promise<string> {
  const buf = (await c
    .logs({ stdout: true, stderr: true, tail: lines })
    .catch(() => Buffer.alloc(0))) as Buffer;
  const { stdout, stderr } = splitStreams(buf);
  return `${stdout}${stderr}`.trim().slice(-600);
}

/** Polls a scratch container until `done` says so, it stops, or the deadline passes. */
async function waitFor(
  c: Docker.Container,
  done: (i: Docker.ContainerInspectInfo) => boolean,
  timeoutMs: number,
): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + timeoutMs;
  let info = await c.inspect();
  while (!done(info) && Date.now() < deadline) {
    if (!info.State.Running && !info.State.Restarting) break;
    await sleep(200);
    info = await c.inspect();
  }
  return info;
}

function stateOf(info: Docker.ContainerInspectInfo): ScratchRun["state"] {
  return {
    Status: info.State.Status,
    ExitCode: info.State.ExitCode,
    OOMKilled: info.State.OOMKilled,
    ...(info.State.Health ? { Health: info.State.Health as Health } : {}),
    RestartCount: info.RestartCount,
  };
}

async function scratch<T>(
  docker: Docker,
  spec: Docker.ContainerCreateOptions,
  work: (c: Docker.Container) => Promise<T>,
): Promise<T> {
  const c = await docker.createContainer({
    ...spec,
    Labels: { ...(spec.Labels ?? {}), [CHECK_LABEL]: "drill" },
  });
  try {
    await c.start();
    return await work(c);
  } finally {
    await c.remove({ force: true }).catch(() => {});
  }
}

// ---- image-read-only-ready ----------------------------------------------------------------

const ReadOnlyParams = z
  .object({
    image: ImageParam,
    /** Placeholder settings: the api starts and serves /health with its dependencies unreachable. */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).default({
      DATABASE_URL: "postgres://drydock-check@127.0.0.1:1/none",
      REDIS_URL: "redis://127.0.0.1:1/0",
    }),
    tmpfs: z.array(z.string().startsWith("/")).default(["/tmp"]),
    timeoutSeconds: z.number().int().min(5).max(120).default(30),
  })
  .strict();

export function evaluateReadOnly(
  image: ImageRecord,
  run: ScratchRun | undefined,
  p: { tmpfs: string[]; timeoutSeconds: number },
): CheckOutcome {
  if (!image.inspect) {
    return fail(`There is no image ${image.ref} on laptop.`, [
      {
        source: "laptop: GET /images/{name}/json",
        field: "(image)",
        observed: "404",
        expected: `${image.ref} built`,
      },
    ]);
  }
  if (!run)
    return fail("The image has no healthcheck to tell whether it serves.", [
      {
        source: "laptop: GET /images/{name}/json",
        field: "Config.Healthcheck",
        observed: null,
        expected: "a HEALTHCHECK",
      },
    ]);
  const evidence: Evidence[] = [
    {
      source: "drill: POST /containers/create",
      field: "HostConfig",
      observed: { ReadonlyRootfs: true, Tmpfs: p.tmpfs },
      expected: "read-only root, tmpfs for scratch paths",
    },
    {
      source: "drill: GET /containers/{id}/json",
      field: "State.Health.Status",
      observed: run.state.Health?.Status ?? null,
      expected: "healthy",
    },
    {
      source: "drill: GET /containers/{id}/json",
      field: "State.Status / ExitCode",
      observed: `${run.state.Status} / ${run.state.ExitCode}`,
      expected: "running",
    },
    {
      source: "drill",
      field: "seconds to healthy",
      observed: Number(run.seconds.toFixed(2)),
      expected: `≤ ${p.timeoutSeconds}`,
    },
  ];
  if (run.state.Health?.Status === "healthy")
    return pass(
      `Healthy in ${run.seconds.toFixed(1)} s with a read-only root filesystem and a tmpfs at ${p.tmpfs.join(", ")}.`,
      evidence,
    );
  evidence.push({ source: "drill: GET /containers/{id}/logs", field: "last lines", observed: run.logTail });
  if (run.state.Status !== "running")
    return fail(
      `With a read-only root filesystem the container exited (code ${run.state.ExitCode}).`,
      evidence,
    );
  return fail(`Not healthy within ${p.timeoutSeconds} s with a read-only root filesystem.`, evidence);
}

export const readOnlyReady = defineCheck({
  id: "image.readonly.healthy",
  title: "Runs healthy with --read-only and a tmpfs",
  kind: "probe",
  watches: { objects: ["image"], images: (p) => [p.image] },
  params: ReadOnlyParams,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    const hc = fastHealthcheck(
      (image.inspect?.Config.Healthcheck as { Test?: string[] } | undefined)?.Test,
      p.timeoutSeconds,
    );
    if (!image.inspect || !hc) return { image, run: undefined };
    const docker = await ctx.lab.engine("laptop");
    const started = performance.now();
    const run = await scratch(
      docker,
      {
        Image: p.image,
        Env: Object.entries(p.env).map(([k, v]) => `${k}=${v}`),
        Healthcheck: hc,
        HostConfig: {
          ReadonlyRootfs: true,
          Tmpfs: Object.fromEntries(p.tmpfs.map((t) => [t, "rw,nosuid,nodev,size=64m"])),
          NetworkMode: "none",
        },
      },
      async (c) => {
        const info = await waitFor(c, (i) => i.State.Health?.Status === "healthy", p.timeoutSeconds * 1000);
        return {
          state: stateOf(info),
          seconds: (performance.now() - started) / 1000,
          logTail: await logTail(c),
        };
      },
    );
    return { image, run };
  },
  evaluate: (f, p) => evaluateReadOnly(f.image, f.run, p),
});

// ---- the learner's running container -------------------------------------------------------

function collectContainer(ctx: CheckContext, name: string) {
  return ctx.memo(`container:${name}`, async () => inspectContainer(await ctx.lab.engine("laptop"), name));
}

function noContainer(name: string, info: Docker.ContainerInspectInfo | undefined): CheckOutcome | undefined {
  if (info?.State.Running) return undefined;
  return fail(
    info
      ? `The container ${name} is ${info.State.Status}, not running.`
      : `There is no container named ${name} on laptop.`,
    [
      {
        source: CTR_SOURCE,
        field: "State.Status",
        observed: info?.State.Status ?? "404 no such container",
        expected: `${name} running`,
      },
    ],
  );
}

/** A copy of the learner's container for drills: same image, command, env, user and network; no ports. */
function cloneSpec(
  info: Docker.ContainerInspectInfo,
  overrides: { env?: string[]; restart?: boolean } = {},
): Docker.ContainerCreateOptions {
  const hc = fastHealthcheck((info.Config.Healthcheck as { Test?: string[] } | undefined)?.Test, 20);
  return {
    Image: info.Config.Image,
    Entrypoint: info.Config.Entrypoint as string[] | undefined,
    Cmd: info.Config.Cmd,
    Env: [...(info.Config.Env ?? []), ...(overrides.env ?? [])],
    User: info.Config.User,
    WorkingDir: info.Config.WorkingDir,
    ...((info.Config as { StopSignal?: string }).StopSignal
      ? { StopSignal: (info.Config as { StopSignal?: string }).StopSignal }
      : {}),
    ...(hc ? { Healthcheck: hc } : {}),
    HostConfig: {
      NetworkMode: info.HostConfig.NetworkMode,
      ReadonlyRootfs: info.HostConfig.ReadonlyRootfs,
      Tmpfs: info.HostConfig.Tmpfs,
      Init: info.HostConfig.Init,
      ...(overrides.restart ? { RestartPolicy: info.HostConfig.RestartPolicy } : {}),
    },
  };
}

// ---- app-handles-sigterm ------------------------------------------------------------------

interface StopDrill {
  seconds: number;
  timeout: number;
  signal: string;
  state: ScratchRun["state"];
  readyBeforeStop: string;
  logTail: string;
}

export function evaluateSigterm(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  drill: StopDrill | undefined,
  maxSeconds: number,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !drill) return missing ?? checkError("The stop drill did not run.");
  const code = drill.state.ExitCode;
  const evidence: Evidence[] = [
    {
      source: `drill: POST /containers/{copy of ${name}}/stop?t=${drill.timeout}`,
      field: "seconds to stop",
      observed: Number(drill.seconds.toFixed(2)),
      expected: `< ${maxSeconds} (the timeout is ${drill.timeout})`,
    },
    {
      source: "drill: GET /containers/{id}/json",
      field: "State.ExitCode",
      observed: code,
      expected: "0 or 143 (SIGTERM handled), not 137 (SIGKILL)",
    },
    {
      source: "drill: GET /containers/{id}/json",
      field: "State.OOMKilled",
      observed: drill.state.OOMKilled,
      expected: "false",
    },
    {
      source: CTR_SOURCE,
      field: "Config.StopSignal",
      observed: drill.signal,
      expected: "SIGTERM (or what the app handles)",
    },
    { source: "drill", field: "before the stop", observed: drill.readyBeforeStop },
  ];
  if (code === 137 && drill.state.OOMKilled)
    return checkError(
      "The copy was killed for lack of memory, not by the stop; give it more memory and check again.",
      evidence,
    );
  if (code !== 0 && code !== 143) {
    evidence.push({
      source: "drill: GET /containers/{id}/logs",
      field: "last lines",
      observed: drill.logTail,
    });
    return fail(
      `docker stop ended the app with exit code ${code} after ${drill.seconds.toFixed(1)} s${code === 137 ? ": it ignored SIGTERM and was killed" : ""}.`,
      evidence,
    );
  }
  if (drill.seconds >= maxSeconds)
    return fail(`The app exited ${code} but took ${drill.seconds.toFixed(1)} s to stop.`, evidence);
  return pass(`docker stop ended the app with exit code ${code} in ${drill.seconds.toFixed(1)} s.`, evidence);
}

export const sigterm = defineCheck({
  id: "container.sigterm",
  title: "docker stop ends the app cleanly",
  kind: "probe",
  watches: { objects: ["container", "image"] },
  params: z
    .object({
      container: ContainerParam,
      maxSeconds: z.number().positive().max(30).default(5),
      stopTimeout: z.number().int().min(1).max(60).default(10),
    })
    .strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    if (!info?.State.Running) return { info, drill: undefined };
    const docker = await ctx.lab.engine("laptop");
    const drill = await scratch(docker, cloneSpec(info), async (c) => {
      // Stop only once the app is up, or the signal may arrive before its handler exists.
      const up = await waitFor(c, (i) => i.State.Health?.Status === "healthy", 20_000);
      const readyBeforeStop = up.State.Health
        ? `health ${up.State.Health.Status}`
        : "no healthcheck: waited 3 s";
      if (!up.State.Health) await sleep(3000);
      const started = performance.now();
      await c.stop({ t: p.stopTimeout }).catch(() => {});
      const seconds = (performance.now() - started) / 1000;
      const after = await c.inspect();
      return {
        seconds,
        timeout: p.stopTimeout,
        signal: (info.Config as { StopSignal?: string }).StopSignal ?? "SIGTERM",
        state: stateOf(after),
        readyBeforeStop,
        logTail: await logTail(c),
      };
    });
    return { info, drill };
  },
  evaluate: (f, p) => evaluateSigterm(p.container, f.info, f.drill, p.maxSeconds),
});

// ---- pid1-is-app --------------------------------------------------------------------------

const SHELLS = new Set(["sh", "bash", "dash", "ash", "zsh", "busybox"]);
const INITS = new Set(["docker-init", "tini", "dumb-init", "catatonit"]);

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/**
 * PID 1 inside the container is State.Pid on the engine's side. (Execs such as health probes
 * also have a parent outside the container, so "parent outside" alone is not enough.)
 */
export function pid1Of(top: TopResult, statePid: number): { cmd: string; children: string[] } | undefined {
  const col = (t: string) => top.Titles.indexOf(t);
  const [pid, ppid, cmd] = [col("PID"), col("PPID"), col("CMD") >= 0 ? col("CMD") : col("COMMAND")];
  const root = top.Processes.find((p) => p[pid] === String(statePid));
  if (!root) return undefined;
  const children = top.Processes.filter((p) => p[ppid] === root[pid]).map((p) => p[cmd] ?? "");
  return { cmd: root[cmd] ?? "", children };
}

function program(cmd: string): string {
  const first = cmd.trim().split(/\s+/)[0] ?? "";
  return first.split("/").pop() ?? first;
}

export function evaluatePid1(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  top: TopResult | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !top || !info) return missing ?? checkError("The process list could not be read.");
  const pid1 = pid1Of(top, info.State.Pid);
  const evidence: Evidence[] = [
    {
      source: "laptop: GET /containers/{name}/top",
      field: "PID 1 command",
      observed: pid1?.cmd ?? null,
      expected: "the app (e.g. node dist/main.js api), not a shell",
    },
    {
      source: CTR_SOURCE,
      field: "Config.Entrypoint + Cmd",
      observed: [...((info.Config.Entrypoint as string[] | null) ?? []), ...(info.Config.Cmd ?? [])],
    },
  ];
  if (!pid1) return checkError("PID 1 could not be told from the process list.", evidence);
  let app = pid1.cmd;
  if (INITS.has(program(app))) {
    evidence.push({
      source: "laptop: GET /containers/{name}/top",
      field: "children of the init",
      observed: pid1.children,
    });
    app = pid1.children[0] ?? "";
  }
  if (SHELLS.has(program(app)))
    return fail(`A shell runs the app (${app.slice(0, 80)}): it does not pass SIGTERM on.`, evidence);
  if (!app) return fail("PID 1 has no child process to run the app.", evidence);
  return pass(`PID 1 is the app itself: ${pid1.cmd.slice(0, 80)}`, evidence);
}

export const pid1 = defineCheck({
  id: "container.pid1",
  title: "PID 1 is the app",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: z.object({ container: ContainerParam }).strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    if (!info?.State.Running) return { info, top: undefined };
    const docker = await ctx.lab.engine("laptop");
    const top = (await docker.getContainer(info.Id).top({ ps_args: "-o pid,ppid,args" })) as TopResult;
    // ps -o args titles its column COMMAND; keep the shape the evaluator expects.
    return {
      info,
      top: { Titles: top.Titles.map((t) => (t === "COMMAND" ? "CMD" : t)), Processes: top.Processes },
    };
  },
  evaluate: (f, p) => evaluatePid1(p.container, f.info, f.top),
});

// ---- healthcheck-works --------------------------------------------------------------------

export function evaluateHealth(name: string, info: Docker.ContainerInspectInfo | undefined): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  const health = info.State.Health as Health | undefined;
  const last = health?.Log?.at(-1);
  const evidence: Evidence[] = [
    {
      source: CTR_SOURCE,
      field: "Config.Healthcheck.Test",
      observed: (info.Config.Healthcheck as { Test?: string[] } | undefined)?.Test ?? null,
      expected: "a probe of the app",
    },
    {
      source: CTR_SOURCE,
      field: "State.Health.Status",
      observed: health?.Status ?? null,
      expected: "healthy",
    },
    {
      source: CTR_SOURCE,
      field: "State.Health.Log[-1]",
      observed: last ? { ExitCode: last.ExitCode, Output: last.Output.trim().slice(0, 200) } : null,
    },
  ];
  if (!health) return fail(`${name} has no healthcheck.`, evidence);
  if (health.Status !== "healthy")
    return fail(`${name} is ${health.Status} (failing streak ${health.FailingStreak ?? 0}).`, evidence);
  return pass(`${name} is healthy; the last probe exited ${last?.ExitCode ?? 0}.`, evidence);
}

export const containerHealthy = defineCheck({
  id: "container.healthy",
  title: "Health turns healthy",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: z
    .object({ container: ContainerParam, waitSeconds: z.number().int().min(0).max(120).default(20) })
    .strict(),
  async collect(ctx, p) {
    let info = await collectContainer(ctx, p.container);
    // A container still in its start period gets a little time to answer.
    const deadline = Date.now() + p.waitSeconds * 1000;
    while (info?.State.Running && info.State.Health?.Status === "starting" && Date.now() < deadline) {
      await sleep(500);
      info = await inspectContainer(await ctx.lab.engine("laptop"), p.container);
    }
    return info;
  },
  evaluate: (info, p) => evaluateHealth(p.container, info),
});

// ---- restart-policy-understood --------------------------------------------------------------

interface CrashDrill {
  exitCode: number;
  restartCount: number;
  seconds: number;
}

export function evaluateRestart(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  drill: CrashDrill | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  const policy = info.HostConfig.RestartPolicy ?? { Name: "" };
  const evidence: Evidence[] = [
    {
      source: CTR_SOURCE,
      field: "HostConfig.RestartPolicy",
      observed: policy,
      expected: "unless-stopped, always or on-failure",
    },
  ];
  if (!["unless-stopped", "always", "on-failure"].includes(policy.Name ?? "")) {
    return fail(`${name} has restart policy "${policy.Name || "no"}": a crash leaves it down.`, evidence);
  }
  if (!drill) return checkError("The crash drill did not run.", evidence);
  evidence.push(
    {
      source: "drill: a copy that crashes on start (APP_PORT=invalid)",
      field: "State.ExitCode",
      observed: drill.exitCode,
      expected: "≠ 0 (a crash)",
    },
    {
      source: "drill: GET /containers/{id}/json",
      field: "RestartCount",
      observed: drill.restartCount,
      expected: "≥ 1 within the drill",
    },
  );
  if (drill.restartCount < 1)
    return fail(
      `A crashing copy with the same policy was not restarted within ${drill.seconds.toFixed(0)} s.`,
      evidence,
    );
  return pass(
    `Policy ${policy.Name}: a crashing copy was restarted ${drill.restartCount} time(s) in ${drill.seconds.toFixed(1)} s.`,
    evidence,
  );
}

export const restartPolicy = defineCheck({
  id: "container.restart",
  title: "Restart policy set, and a crash restarts",
  kind: "probe",
  watches: { objects: ["container"] },
  params: z
    .object({
      container: ContainerParam,
      crashEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=/)).default(["APP_PORT=invalid"]),
      waitSeconds: z.number().int().min(2).max(60).default(10),
    })
    .strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    const policy = info?.HostConfig.RestartPolicy?.Name ?? "";
    if (!info?.State.Running || !["unless-stopped", "always", "on-failure"].includes(policy))
      return { info, drill: undefined };
    const docker = await ctx.lab.engine("laptop");
    const started = performance.now();
    const drill = await scratch(
      docker,
      { ...cloneSpec(info, { env: p.crashEnv, restart: true }), Healthcheck: undefined },
      async (c) => {
        const after = await waitFor(c, (i) => i.RestartCount >= 1, p.waitSeconds * 1000).catch(
          () => undefined,
        );
        const i = after ?? (await c.inspect());
        return {
          exitCode: i.State.ExitCode,
          restartCount: i.RestartCount,
          seconds: (performance.now() - started) / 1000,
        };
      },
    );
    return { info, drill };
  },
  evaluate: (f, p) => evaluateRestart(p.container, f.info, f.drill),
});

// ---- logs-clean -----------------------------------------------------------------------------

export function evaluateLogs(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  logs: { stdout: string; stderr: string } | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info || !logs) return missing as CheckOutcome;
  const lines = logs.stdout.split("\n").filter((l) => l.trim() !== "");
  const errLines = logs.stderr.split("\n").filter((l) => l.trim() !== "");
  const notJson = lines.filter((l) => {
    try {
      const v = JSON.parse(l);
      return typeof v !== "object" || v === null || Array.isArray(v);
    } catch {
      return true;
    }
  });
  const secrets = secretValues(info.Config.Env ?? []);
  const leaks = [...lines, ...errLines].filter((l) => secrets.some((s) => l.includes(s)));
  const evidence: Evidence[] = [
    {
      source: "laptop: GET /containers/{name}/logs?stdout=1",
      field: "lines",
      observed: lines.length,
      expected: "≥ 1, one JSON object per line",
    },
    {
      source: "laptop: GET /containers/{name}/logs?stdout=1",
      field: "lines that are not JSON",
      observed: notJson.length,
      expected: "0",
    },
    { source: "laptop: GET /containers/{name}/logs?stderr=1", field: "lines", observed: errLines.length },
    {
      source: "container env × logs",
      field: "secret values found in the log",
      observed: leaks.length,
      expected: `0 (looked for ${secrets.length} value(s) from Config.Env)`,
    },
  ];
  if (lines.length === 0) return fail(`${name} wrote nothing to stdout.`, evidence);
  if (leaks.length > 0) {
    evidence.push({ source: "log", field: "first leaking line", observed: mask(leaks[0] ?? "") });
    return fail(`${leaks.length} log line(s) contain a secret from the container's environment.`, evidence);
  }
  if (notJson.length > 0) {
    evidence.push({
      source: "log",
      field: "first line that is not JSON",
      observed: (notJson[0] ?? "").slice(0, 120),
    });
    return fail(`${notJson.length} of ${lines.length} stdout lines are not JSON.`, evidence);
  }
  const sample = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
  evidence.push({
    source: "log",
    field: "fields of the first line",
    observed: Object.keys(sample).slice(0, 8),
  });
  return pass(`${lines.length} stdout lines, each one JSON object; no secret value in the log.`, evidence);
}

export const logsClean = defineCheck({
  id: "container.logs.json",
  title: "Structured logs on stdout",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: z
    .object({ container: ContainerParam, tail: z.number().int().min(10).max(2000).default(200) })
    .strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    if (!info?.State.Running) return { info, logs: undefined };
    const c = (await ctx.lab.engine("laptop")).getContainer(info.Id);
    const buf = (await c.logs({ stdout: true, stderr: true, tail: p.tail })) as Buffer;
    return { info, logs: splitStreams(buf) };
  },
  evaluate: (f, p) => evaluateLogs(p.container, f.info, f.logs),
});
