import { chownSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  appUid,
  createDatabase,
  freePort,
  query,
  runApp,
  scratchDir,
  startServer,
  uniqueStream,
} from "../support/app.ts";

let databaseUrl: string;
const redisUrl = () => inject("redisUrl");
const password = () => new URL(inject("pgAdminUrl")).password;

beforeAll(async () => {
  databaseUrl = await createDatabase();
  expect((await runApp("migrate", { DATABASE_URL: databaseUrl })).code).toBe(0);
});

/** A secret file as Docker provides one: under a folder of its own, readable by the app's uid. */
function secretFile(content: string): string {
  const dir = scratchDir("secret");
  const path = join(dir, "database_url");
  writeFileSync(path, content, { mode: 0o400 });
  if (process.getuid?.() === 0) chownSync(path, appUid, appUid);
  return path;
}

describe("SIGTERM", () => {
  it("stops accepting, lets a slow in-flight request finish, and exits 0", async () => {
    const port = await freePort();
    const api = await startServer("api", {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl(),
      EVENTS_STREAM: uniqueStream(),
      APP_PORT: String(port),
    });
    const created = await fetch(`${api.baseUrl}/reports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Slow one", description: "d", reporter: "r" }),
    });
    const { id } = (await created.json()) as { id: string };

    // Hold the case's row lock, so the transition request blocks inside the API: a real slow request.
    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    await locker.query("BEGIN");
    await locker.query("SELECT id FROM cases WHERE id = $1 FOR UPDATE", [id]);
    const inFlight = fetch(`${api.baseUrl}/cases/${id}/transitions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: "investigating" }),
    });
    // Wait until the API's query is queued behind the lock.
    for (let i = 0; i < 100; i++) {
      const waiting = await query(
        databaseUrl,
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'reg-case-api' AND wait_event_type = 'Lock'",
      );
      if (waiting.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const signalledAt = Date.now();
    api.child.kill("SIGTERM");
    await api.waitForLog((l) => String(l.msg).startsWith("shutting down"));
    // The listener is closed: a new connection is refused while the old request is still running.
    await expect(fetch(`${api.baseUrl}/health`)).rejects.toThrow();
    expect(api.child.exitCode).toBeNull();

    await new Promise((r) => setTimeout(r, 1_000));
    await locker.query("COMMIT");
    await locker.end();

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe("investigating");
    const exit = await api.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(api.logs.find((l) => l.msg === "stopped")).toMatchObject({ drained: true });
  });

  it("stops the worker within 10 s with exit code 0", async () => {
    const worker = await startServer("worker", {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl(),
      EVENTS_STREAM: uniqueStream(),
      APP_PORT: String(await freePort()),
    });
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    expect(await worker.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("configuration errors", () => {
  it("names a missing DATABASE_URL and exits 78", async () => {
    const run = await runApp("api", { REDIS_URL: redisUrl() });
    expect(run.code).toBe(78);
    expect(run.stderr).toBe(
      "reg-case-platform: configuration error: DATABASE_URL is required (or set DATABASE_URL_FILE to a file that holds it)\n",
    );
    expect(run.logs.at(-1)).toMatchObject({
      level: "fatal",
      msg: expect.stringContaining("DATABASE_URL is required"),
    });
  });

  it("names an unreadable DATABASE_URL_FILE and exits 78", async () => {
    const run = await runApp("migrate", { DATABASE_URL_FILE: "/run/secrets/nope" });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain(
      "DATABASE_URL_FILE points to /run/secrets/nope, which cannot be read (ENOENT)",
    );
  });

  it("rejects an unknown mode with exit 64 and the usage", async () => {
    const run = await runApp("serve", {});
    expect(run.code).toBe(64);
    expect(run.stderr).toContain(
      'unknown mode "serve"; usage: node dist/main.js <api|worker|migrate|seed|test-integration>',
    );
  });

  it("explains a port already in use and exits 69", async () => {
    const port = await freePort();
    const first = await startServer("api", {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl(),
      APP_PORT: String(port),
    });
    try {
      const second = await runApp("api", {
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl(),
        APP_PORT: String(port),
      });
      expect(second.code).toBe(69);
      expect(second.stderr).toContain(`cannot listen on 0.0.0.0:${port}: the port is already in use`);
    } finally {
      await first.stop();
    }
  });
});

describe("secrets", () => {
  it("reads DATABASE_URL from a DATABASE_URL_FILE (a Docker secret) and connects with it", async () => {
    const file = secretFile(`${databaseUrl}\n`);
    const api = await startServer("api", {
      DATABASE_URL_FILE: file,
      REDIS_URL: redisUrl(),
      APP_PORT: String(await freePort()),
    });
    try {
      const ready = await fetch(`${api.baseUrl}/ready`);
      expect(await ready.json()).toMatchObject({ checks: { postgres: "ok" } });
    } finally {
      await api.stop();
    }
  });

  it("uses what the file says: a wrong password in the file makes the database check fail", async () => {
    const wrong = new URL(databaseUrl);
    wrong.password = "not-the-password";
    const file = secretFile(wrong.toString());
    const run = await runApp("migrate", { DATABASE_URL_FILE: file });
    expect(run.code).toBe(69);
    expect(run.stderr).toContain('password authentication failed for user "postgres"');
  });

  it("never writes a password to the log, even when a connection fails", async () => {
    const api = await startServer("api", {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl(),
      APP_PORT: String(await freePort()),
      LOG_LEVEL: "debug",
    });
    await fetch(`${api.baseUrl}/ready`);
    await api.stop();
    const starting = api.logs.find((l) => l.msg === "starting") as { config: { database: { url: string } } };
    expect(starting.config.database.url).toBe("[redacted]");
    const listening = api.logs.find((l) => l.msg === "api listening");
    expect(listening?.database).toContain(":***@");

    const wrong = new URL(databaseUrl);
    wrong.password = "hunter2-not-valid";
    const failed = await runApp("migrate", { DATABASE_URL: wrong.toString() });
    expect(failed.code).toBe(69);

    for (const output of [api.stdout(), api.stderr(), failed.stdout, failed.stderr]) {
      expect(output).not.toContain(password());
      expect(output).not.toContain("hunter2-not-valid");
    }
  });

  it("logs one JSON object per line on stdout", async () => {
    const run = await runApp("migrate", { DATABASE_URL: databaseUrl });
    const lines = run.stdout.trim().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(JSON.parse(line)).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        mode: "migrate",
      });
    }
  });
});
