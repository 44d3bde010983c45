import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../../src/common/paths.ts";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const BIN = join(repoRoot, "lab-agent", "bin", "drydock.mjs");

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "drydock-test-"));
}

/**
 * Runs the real `drydock` command as a separate process, as a user would. With `timeoutMs` it is
 * sent SIGTERM then (as Ctrl-C would, and `drydock solve` stops its script in the lab), and SIGKILL
 * 30 s later: a step that overruns ends with its own output instead of running on under the next.
 */
export function drydock(
  args: string[],
  opts: { home: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DRYDOCK_HOME: opts.home, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timers: NodeJS.Timeout[] = [];
    if (opts.timeoutMs !== undefined) {
      const ms = opts.timeoutMs;
      timers.push(
        setTimeout(() => {
          stderr += `\n[test] drydock ${args.join(" ")} ran over ${ms / 1000} s: SIGTERM\n`;
          child.kill("SIGTERM");
          timers.push(setTimeout(() => child.kill("SIGKILL"), 30_000));
        }, ms),
      );
    }
    child.on("close", () => {
      for (const t of timers) clearTimeout(t);
    });
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/**
 * Starts `drydock` and kills it (SIGKILL, like a crash; or `signal`, e.g. SIGINT as Ctrl-C) as
 * soon as its stderr contains `marker`. Resolves with what it printed until it exited.
 */
export function drydockKilledAt(
  args: string[],
  marker: string,
  opts: { home: string; signal?: NodeJS.Signals },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DRYDOCK_HOME: opts.home },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let sent = false;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!sent && stderr.includes(marker)) {
        sent = true;
        child.kill(opts.signal ?? "SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve(stderr));
  });
}
