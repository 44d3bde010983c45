import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type AppProcess,
  createDatabase,
  freePort,
  runApp,
  startServer,
  uniqueStream,
} from "../support/app.ts";

type Server = AppProcess & { baseUrl: string };
let databaseUrl: string;
let common: Record<string, string>;
let api: Server;
let worker: Server | undefined;

/** The test-runner mode against a real api and worker (real PostgreSQL and Redis), as compose.test.yml runs it. */
beforeAll(async () => {
  databaseUrl = await createDatabase();
  const migrated = await runApp("migrate", { DATABASE_URL: databaseUrl });
  expect(migrated.code, migrated.stderr).toBe(0);
  common = { DATABASE_URL: databaseUrl, REDIS_URL: inject("redisUrl"), EVENTS_STREAM: uniqueStream() };
  api = await startServer("api", { ...common, APP_PORT: String(await freePort()) });
});

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
});

const summaryOf = (stdout: string) => stdout.trim().split("\n").at(-1) ?? "";

describe("test-integration mode", () => {
  it("fails, exit 1, when no worker writes the audit trail (the api alone)", async () => {
    const run = await runApp("test-integration", { API_URL: api.baseUrl, TEST_AUDIT_TIMEOUT_MS: "1500" });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /^not ok 7 - the worker writes the audit trail .*\n {2}# after 1500 ms the audit trail has 0 of 4 rows/m,
    );
    expect(summaryOf(run.stdout)).toMatch(
      new RegExp(`^test-integration: FAIL 6 passed, 1 failed of 7 in [\\d.]+ s against ${api.baseUrl}$`),
    );
  });

  it("passes, exit 0, against the api with its worker", async () => {
    worker = await startServer("worker", {
      ...common,
      APP_PORT: String(await freePort()),
      WORKER_BLOCK_MS: "200",
    });
    const run = await runApp("test-integration", { API_URL: `${api.baseUrl}/` });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout.match(/^ok \d+ - /gm)).toHaveLength(7);
    expect(run.stdout).toContain("ok 7 - the worker writes the audit trail");
    expect(summaryOf(run.stdout)).toMatch(
      /^test-integration: PASS 7 passed, 0 failed of 7 in [\d.]+ s against http:\/\/127\.0\.0\.1:\d+$/,
    );
  });

  it("fails every test, exit 1, when nothing answers at API_URL", async () => {
    const port = await freePort();
    const run = await runApp("test-integration", {
      API_URL: `http://127.0.0.1:${port}`,
      TEST_READY_TIMEOUT_MS: "0",
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^not ok 1 - the api is ready .*\n {2}# not ready within 0 ms: GET http:\/\/127\.0\.0\.1:\d+\/ready got no answer: ECONNREFUSED/m,
    );
    expect(run.stdout).toContain("# no case to test: opening one failed above");
    expect(summaryOf(run.stdout)).toMatch(/^test-integration: FAIL 0 passed, 7 failed of 7/);
  });

  it("refuses to start without API_URL (exit 78, naming it)", async () => {
    const run = await runApp("test-integration", {});
    expect(run.code).toBe(78);
    expect(run.stderr).toContain("API_URL is required");
  });
});
