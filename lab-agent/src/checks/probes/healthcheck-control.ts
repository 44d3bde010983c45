import { posix } from "node:path";
import type Docker from "dockerode";
import type { CheckContext } from "../check-definition.ts";
import type { ImageRecord } from "../collectors/collect-image.ts";
import { CHECK_LABEL, execArgv, pathExists, sleep, splitStreams } from "../engine-reads.ts";

/**
 * Proves an image's HEALTHCHECK: its test must succeed while the app serves (positive run:
 * the image's own ENTRYPOINT/CMD) and fail while it does not (negative control: the same
 * image with `sleep` as its process, so nothing listens). Both containers carry CHECK_LABEL
 * so the reaper removes them if the checker is killed mid-probe.
 */
export interface ExecRecord {
  code: number | null;
  output: string;
  /** Seconds since the container started. */
  at: number;
}

export interface HealthcheckProbe {
  /** The test's program and whether the image has it (PATH searched as the image sets it). */
  binary: { name: string; path: string | null } | null;
  shell: boolean | null;
  /** Null when the control could not run (no sleep in the image). */
  negative: ExecRecord | { skipped: string };
  positive: {
    success: ExecRecord | null;
    last: ExecRecord | null;
    exited: { code: number; logs: string } | null;
  };
}

export const PROBE_LABEL_VALUE = "probe:image.healthcheck";

export function testArgv(test: readonly string[]): string[] | null {
  if (test[0] === "CMD") return test.slice(1);
  if (test[0] === "CMD-SHELL") return ["/bin/sh", "-c", test.slice(1).join(" ")];
  return null;
}

/** The program a test runs first: `curl` in `curl -f … || exit 1`, `node` in ["CMD","node",…]. */
export function testProgram(test: readonly string[]): string | null {
  if (test[0] === "CMD") return test[1] ?? null;
  if (test[0] !== "CMD-SHELL") return null;
  const words = (test[1] ?? "").trim().split(/\s+/);
  // Skipped: assignments, exec/command, redirections (`exec 3<>/dev/tcp/…` opens no program) and
  // the operators between commands; the first word left is the program the shell looks up.
  const skip = (w: string) =>
    /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) ||
    w === "exec" ||
    w === "command" ||
    /^\d*(<>|>>|>&|<&|<|>)/.test(w) ||
    /^(&&|\|\||;|\|)$/.test(w);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    // A bare operator (`3<> /dev/tcp/…`): its target is the next word, not a program either.
    if (/^\d*(<>|>>|>&|<&|<|>)$/.test(w)) i++;
    else if (!skip(w)) return w;
  }
  return null;
}

/** Why a test succeeds whatever the app does: `CMD true`, `… || exit 0`, `… || true`, `; exit 0`. */
export function vacuous(test: readonly string[]): string | null {
  if (test[0] === "CMD") {
    const [prog, ...rest] = test.slice(1);
    if (prog && /^(\/bin\/|\/usr\/bin\/)?true$/.test(prog)) return `it runs ${prog}, which always succeeds`;
    if (prog && /^(\/bin\/|\/usr\/bin\/)?(sh|bash|ash|dash)$/.test(prog) && rest[0] === "-c")
      return vacuous(["CMD-SHELL", rest.slice(1).join(" ")]);
    return null;
  }
  if (test[0] !== "CMD-SHELL") return null;
  const cmd = (test[1] ?? "").trim();
  if (/^(true|:|exit\s+0|echo\b[^|&;]*)$/.test(cmd)) return `"${cmd}" always succeeds`;
  if (/(\|\||;)\s*(exit\s+0|true|:)\s*$/.test(cmd)) return `"${cmd}" ends with an always-true fallback`;
  return null;
}

const BUILTINS = new Set(["exit", "true", "false", "test", "[", ":", "echo", "printf", "cd", "kill"]);

async function findProgram(c: Docker.Container, name: string, pathVar: string): Promise<string | null> {
  if (BUILTINS.has(name)) return `(shell builtin ${name})`;
  if (name.includes("/")) return (await pathExists(c, name)) ? name : null;
  for (const dir of pathVar.split(":").filter(Boolean)) {
    const p = posix.join(dir, name);
    if (await pathExists(c, p)) return p;
  }
  return null;
}

async function run(docker: Docker, spec: Docker.ContainerCreateOptions): Promise<Docker.Container> {
  const c = await docker.createContainer({
    ...spec,
    Labels: { ...(spec.Labels ?? {}), [CHECK_LABEL]: PROBE_LABEL_VALUE },
    HostConfig: { NetworkMode: "none", AutoRemove: false, ...(spec.HostConfig ?? {}) },
  });
  return c;
}

async function tryExec(
  c: Docker.Container,
  argv: string[],
  timeoutMs: number,
  started: number,
): Promise<ExecRecord> {
  try {
    const r = await execArgv(c, argv, timeoutMs);
    return {
      code: r.code,
      output: `${r.stdout}${r.stderr}`.trim().slice(-300),
      at: (Date.now() - started) / 1000,
    };
  } catch (err) {
    return {
      code: null,
      output: String((err as Error).message ?? err).slice(0, 300),
      at: (Date.now() - started) / 1000,
    };
  }
}

export function probeHealthcheck(
  ctx: CheckContext,
  image: ImageRecord,
  p: { env: Record<string, string>; timeoutSeconds: number; tmpfs: string[] },
): Promise<HealthcheckProbe> {
  return ctx.memo(`healthcheck-probe:${image.inspect?.Id}:${JSON.stringify(p)}`, async () => {
    const docker = await ctx.lab.engine("laptop");
    const cfg = image.inspect?.Config as Docker.ImageInspectInfo["Config"] & {
      Healthcheck?: { Test?: string[]; Timeout?: number };
    };
    const test = cfg.Healthcheck?.Test ?? [];
    const argv = testArgv(test);
    const id = image.inspect?.Id ?? image.ref;
    const pathVar =
      (cfg.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5) ??
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    // Generous: the verdict is about what the test answers, not how fast (two shared cores, cold node starts).
    const execTimeout = Math.max((cfg.Healthcheck?.Timeout ?? 0) / 1e6, 10_000);
    const env = Object.entries(p.env).map(([k, v]) => `${k}=${v}`);

    // The negative control: same image, nothing serving. Its filesystem also answers "is the binary there?".
    const control = await run(docker, {
      Image: id,
      Entrypoint: ["sleep", "3600"], // busybox sleep may not know "infinity"
      Cmd: [],
      Env: env,
      HostConfig: { Tmpfs: Object.fromEntries(p.tmpfs.map((t) => [t, ""])) },
    });
    const positive = await run(docker, {
      Image: id,
      Env: env,
      HostConfig: { Tmpfs: Object.fromEntries(p.tmpfs.map((t) => [t, ""])) },
    });
    try {
      const program = testProgram(test);
      const binary = program ? { name: program, path: await findProgram(control, program, pathVar) } : null;
      const shell = test[0] === "CMD-SHELL" ? await pathExists(control, "/bin/sh") : null;
      const hasSleep = (await findProgram(control, "sleep", pathVar)) !== null;
      if (vacuous(test) || (binary && binary.path === null) || shell === false) {
        return {
          binary,
          shell,
          negative: { skipped: "the test cannot probe the app" },
          positive: { success: null, last: null, exited: null },
        };
      }
      const negativeRun = async (): Promise<HealthcheckProbe["negative"]> => {
        if (!argv) return { skipped: "no test to run" };
        if (!hasSleep) return { skipped: "the image has no sleep to hold a container open without the app" };
        await control.start();
        const started = Date.now();
        await sleep(500);
        return tryExec(control, argv, execTimeout, started);
      };
      const positiveRun = async (): Promise<HealthcheckProbe["positive"]> => {
        const out: HealthcheckProbe["positive"] = { success: null, last: null, exited: null };
        if (!argv) return out;
        await positive.start();
        const started = Date.now();
        const deadline = started + p.timeoutSeconds * 1000;
        while (Date.now() < deadline) {
          const state = (await positive.inspect()).State;
          if (!state.Running) {
            const logs = splitStreams(
              (await positive.logs({ stdout: true, stderr: true, tail: 5 })) as unknown as Buffer,
            );
            out.exited = { code: state.ExitCode, logs: `${logs.stdout}${logs.stderr}`.trim().slice(-400) };
            return out;
          }
          const r = await tryExec(positive, argv, execTimeout, started);
          out.last = r;
          if (r.code === 0) {
            out.success = r;
            return out;
          }
          await sleep(1000);
        }
        return out;
      };
      // One after the other: on a small machine two cold starts at once slow both past their timeouts.
      const negative = await negativeRun();
      await control.remove({ force: true }).catch(() => {});
      const pos = await positiveRun();
      return { binary, shell, negative, positive: pos };
    } finally {
      await Promise.all([
        control.remove({ force: true }).catch(() => {}),
        positive.remove({ force: true }).catch(() => {}),
      ]);
    }
  });
}
