import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { inject } from "vitest";

export { freePort } from "./services.ts";

/**
 * When the tests run as root, the app runs as this uid, which has no passwd entry and no home,
 * as in a container started with `--user 10001:10001`.
 */
export const appUid = 10001;
const asRoot = process.getuid?.() === 0;

/** A new folder under the run's scratch folder, readable by the app's uid. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(inject("scratchDir"), `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/** A new, empty database on the test server; returns a URL to it (with the password). */
export async function createDatabase(): Promise<string> {
  const admin = inject("pgAdminUrl");
  const name = `app_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A stream name of its own per test file, so files do not see each other's events. */
export function uniqueStream(): string {
  return `case-events-${randomBytes(4).toString("hex")}`;
}

export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

export interface AppProcess {
  child: ChildProcess;
  /** JSON log lines seen so far. */
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node dist/main.js <mode>` from the staged runtime folder, with only the given env. */
export function startApp(mode: string, env: Record<string, string>): AppProcess {
  const runtimeDir = inject("runtimeDir");
  const child = spawn(process.execPath, [join(runtimeDir, "dist", "main.js"), mode], {
    // No HOME, no inherited variables: the app must need nothing it is not told.
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    cwd: "/",
    stdio: ["ignore", "pipe", "pipe"],
    ...(asRoot ? { uid: appUid, gid: appUid } : {}),
  });
  let out = "";
  let err = "";
  let partial = "";
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    partial += chunk;
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line, notJson: true });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      // Let the last stdout chunks arrive.
      setImmediate(() => {
        for (const wake of waiters) wake();
        resolve({ code, signal });
      });
    });
  });

  return {
    child,
    logs,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(predicate);
          if (found) {
            cleanup();
            resolve(found);
          } else if (child.exitCode !== null) {
            cleanup();
            reject(
              new Error(`${mode} exited (${child.exitCode}) before the expected log line.\n${out}\n${err}`),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out waiting for a log line from ${mode}.\nstdout:\n${out}\nstderr:\n${err}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a one-shot mode (migrate, seed) to completion. */
export async function runApp(mode: string, env: Record<string, string>, timeoutMs = 60_000) {
  const app = startApp(mode, env);
  const timer = setTimeout(() => app.child.kill("SIGKILL"), timeoutMs);
  const result = await app.exited;
  clearTimeout(timer);
  return { ...result, logs: app.logs, stdout: app.stdout(), stderr: app.stderr() };
}

/** Starts a long-running mode and waits until its HTTP server answers /health. */
export async function startServer(
  mode: "api" | "worker",
  env: Record<string, string>,
): Promise<AppProcess & { baseUrl: string }> {
  const app = startApp(mode, env);
  const port = env.APP_PORT ?? "8080";
  await app.waitForLog((l) => l.msg === "api listening" || l.msg === "worker started");
  return { ...app, baseUrl: `http://127.0.0.1:${port}` };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ""}`);
}

export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
