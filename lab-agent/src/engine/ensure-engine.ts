import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { drydockHome } from "../common/paths.ts";
import { LogTail, type Progress, silentProgress, step } from "../common/progress.ts";
import { commandExists, runCommand } from "../common/run-command.ts";
import { type HostEngine, noEngineError, probeEngines } from "./find-engine.ts";

export interface EnsureEngineOptions {
  /** Install and start an engine without asking (also implied by CI=true). */
  yes?: boolean;
  /** May we ask on the terminal? Defaults to whether stdin is a TTY. */
  interactive?: boolean;
  env?: NodeJS.ProcessEnv;
  progress?: Progress;
}

/**
 * Finds a Docker Engine that answers. When none does and this is a Debian-family
 * host where we are root, offers to install Debian's docker.io and start dockerd,
 * keeping the daemon's log in Drydock's data dir.
 */
export async function ensureEngine(opts: EnsureEngineOptions = {}): Promise<HostEngine> {
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? silentProgress;
  const first = await probeEngines(env);
  if (first.engine) return first.engine;

  if (env.DOCKER_HOST) {
    throw noEngineError(
      first.attempts,
      `DOCKER_HOST is set, so Drydock only looks there. Start that engine, or unset DOCKER_HOST to use the local one.`,
    );
  }
  const canInstall = isDebianFamily() && process.getuid?.() === 0;
  if (!canInstall) throw noEngineError(first.attempts);

  const consent =
    opts.yes === true ||
    env.CI === "true" ||
    ((opts.interactive ?? process.stdin.isTTY) &&
      (await confirm(
        "No Docker Engine answers. Install Debian's docker.io (if needed) and start dockerd now?",
      )));
  if (!consent) {
    throw noEngineError(
      first.attempts,
      "Run `npx drydock engine --yes` to let Drydock install Debian's docker.io and start dockerd, or start Docker yourself.",
    );
  }

  if (!(await commandExists("dockerd"))) {
    await step(progress, "engine-install", "Installing Debian's docker.io", () => installDockerIo(progress));
  }
  const logPath = join(drydockHome(env), "dockerd.log");
  return step(
    progress,
    "engine-start",
    "Starting dockerd",
    () => startDockerd(logPath, env),
    () => `log: ${logPath}`,
  );
}

export function isDebianFamily(): boolean {
  if (existsSync("/etc/debian_version")) return true;
  try {
    return /^ID(_LIKE)?=.*\bdebian\b/m.test(readFileSync("/etc/os-release", "utf8"));
  } catch {
    return false;
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function installDockerIo(progress: Progress): Promise<void> {
  const tail = new LogTail();
  const onLine = (line: string) => {
    tail.push(line);
    progress({ kind: "log", id: "engine-install", line });
  };
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", "docker.io", "iptables"]]) {
    const result = await runCommand("apt-get", args, { onLine, env: aptEnv });
    if (result.code !== 0) {
      throw new DrydockError(
        ErrorCode.engineInstall,
        `\`apt-get ${args.join(" ")}\` failed (exit ${result.code}).`,
        {
          details: tail.toString(),
          hint: "Check that this host reaches its Debian package mirror (see /etc/apt/sources.list*), then try again.",
        },
      );
    }
  }
}

async function startDockerd(logPath: string, env: NodeJS.ProcessEnv): Promise<HostEngine> {
  mkdirSync(join(logPath, ".."), { recursive: true });
  const log = openSync(logPath, "a");
  // Detached, so the engine outlives this command, as a system service would.
  const child = spawn("dockerd", [], { detached: true, stdio: ["ignore", log, log], env });
  child.unref();
  const deadline = Date.now() + 60_000;
  let exited: number | null = null;
  child.on("exit", (code) => {
    exited = code ?? 1;
  });
  while (Date.now() < deadline && exited === null) {
    const { engine } = await probeEngines(env);
    if (engine) return engine;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = new LogTail(20);
  tail.push(readFileSync(logPath, "utf8"));
  throw new DrydockError(
    ErrorCode.noEngine,
    exited === null
      ? "dockerd started but did not answer within 60 s."
      : `dockerd exited with code ${exited}.`,
    {
      details: `Last lines of ${logPath}:\n${tail}`,
      hint: `Read ${logPath} for the reason, fix it, and try again.`,
    },
  );
}
