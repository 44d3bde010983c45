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

/** Runs the real `drydock` command as a separate process, as a user would. */
export function drydock(args: string[], opts: { home: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DRYDOCK_HOME: opts.home, ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
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
 * Starts `drydock` and kills it (SIGKILL, like a crash) as soon as its stderr
 * contains `marker`. Resolves with what it printed until then.
 */
export function drydockKilledAt(args: string[], marker: string, opts: { home: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, DRYDOCK_HOME: opts.home },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes(marker)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", () => resolve(stderr));
  });
}
