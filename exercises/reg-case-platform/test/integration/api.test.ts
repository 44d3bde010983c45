import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type AppProcess,
  createDatabase,
  eventually,
  freePort,
  query,
  runApp,
  startServer,
  uniqueStream,
} from "../support/app.ts";

type Server = AppProcess & { baseUrl: string };
let databaseUrl: string;
let api: Server;
let worker: Server;

beforeAll(async () => {
  databaseUrl = await createDatabase();
  const migrated = await runApp("migrate", { DATABASE_URL: databaseUrl });
  expect(migrated.code, migrated.stderr).toBe(0);
  const common = { DATABASE_URL: databaseUrl, REDIS_URL: inject("redisUrl"), EVENTS_STREAM: uniqueStream() };
  [api, worker] = await Promise.all([
    startServer("api", { ...common, APP_PORT: String(await freePort()) }),
    startServer("worker", { ...common, APP_PORT: String(await freePort()), WORKER_BLOCK_MS: "200" }),
  ]);
});

afterAll(async () => {
  const [a, w] = await Promise.all([api?.stop(), worker?.stop()]);
  // Both shut down cleanly on SIGTERM.
  expect(a?.code).toBe(0);
  expect(w?.code).toBe(0);
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.baseUrl}${path}`, {
    method,
    headers: body === undefined ? headers : { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: test responses are checked field by field
  return { status: response.status, headers: response.headers, json: json as any, text };
}

const report = (title = "Unlicensed lender at the harbour") => ({
  title,
  description: "Loans at 30% a month, no licence shown.",
  reporter: "hotline",
});

describe("health and readiness", () => {
  it("/health answers without touching dependencies", async () => {
    const res = await call("GET", "/health");
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "ok" });
  });

  it("/ready checks PostgreSQL and Redis", async () => {
    // Each probe has 1 s: on a loaded host the first one (a new pool connection) can miss it, and
    // /ready rightly says 503 then. Ready within 15 s, as an orchestrator's probe would see it.
    let res = await call("GET", "/ready");
    for (const until = Date.now() + 15_000; res.status !== 200 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 500));
      res = await call("GET", "/ready");
    }
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
  });

  it("the worker answers /health and /ready too", async () => {
    expect((await fetch(`${worker.baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${worker.baseUrl}/ready`)).status).toBe(200);
  });
});

describe("case lifecycle over HTTP", () => {
  it("a report opens a case; transitions move it to closed; the worker audits every change", async () => {
    const created = await call("POST", "/reports", { ...report(), severity: "high" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      title: "Unlicensed lender at the harbour",
      status: "open",
      severity: "high",
    });
    const id: string = created.json.id;
    expect(created.headers.get("location")).toBe(`/cases/${id}`);
    expect((await call("GET", `/cases/${id}`)).json).toEqual(created.json);

    for (const to of ["investigating", "enforcement", "closed"]) {
      const moved = await call("POST", `/cases/${id}/transitions`, {
        to,
        actor: "inspector-7",
        reason: `to ${to}`,
      });
      expect(moved.status, moved.text).toBe(200);
      expect(moved.json.status).toBe(to);
    }
    expect((await call("GET", `/cases/${id}`)).json.status).toBe("closed");

    // The worker writes the audit trail from the Redis Stream, asynchronously.
    const audit = await eventually(async () => {
      const res = await call("GET", `/cases/${id}/audit`);
      return res.json.items.length === 4 ? res.json.items : undefined;
    });
    expect(
      audit.map((a: { fromStatus: string | null; toStatus: string }) => `${a.fromStatus}→${a.toStatus}`),
    ).toEqual(["null→open", "open→investigating", "investigating→enforcement", "enforcement→closed"]);
    expect(audit[0]).toMatchObject({ type: "case.opened", actor: "hotline" });
    expect(audit[3]).toMatchObject({ type: "case.transitioned", actor: "inspector-7", reason: "to closed" });
    const rows = await query(databaseUrl, "SELECT event_id FROM case_audit WHERE case_id = $1", [id]);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(4);
  });

  it("rejects an illegal transition with 409 and a JSON error, and changes nothing", async () => {
    const id: string = (await call("POST", "/reports", report("Skipping steps"))).json.id;
    const res = await call("POST", `/cases/${id}/transitions`, { to: "enforcement" });
    expect(res.status).toBe(409);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.json).toEqual({
      error: {
        code: "illegal_transition",
        message: "a case cannot move from open to enforcement (allowed: investigating, closed)",
        details: { from: "open", to: "enforcement", allowed: ["investigating", "closed"] },
      },
    });
    expect((await call("GET", `/cases/${id}`)).json.status).toBe("open");
    // Only the "opened" event was audited.
    await eventually(async () =>
      (await call("GET", `/cases/${id}/audit`)).json.items.length === 1 ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await call("GET", `/cases/${id}/audit`)).json.items).toHaveLength(1);
  });

  it("treats closed as final", async () => {
    const id: string = (await call("POST", "/reports", report("Closed early"))).json.id;
    expect((await call("POST", `/cases/${id}/transitions`, { to: "closed" })).status).toBe(200);
    const res = await call("POST", `/cases/${id}/transitions`, { to: "open" });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toBe("the case is closed, which is final");
  });

  it("answers 404 for a case that does not exist", async () => {
    const missing = "00000000-0000-4000-8000-00000000ffff";
    expect((await call("GET", `/cases/${missing}`)).json.error.code).toBe("not_found");
    expect((await call("POST", `/cases/${missing}/transitions`, { to: "closed" })).status).toBe(404);
    expect((await call("GET", "/cases/not-a-uuid")).status).toBe(404);
  });
});

describe("input validation", () => {
  it("names the invalid fields", async () => {
    const res = await call("POST", "/reports", { title: "x", reporter: "hotline" });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("validation_failed");
    expect(res.json.error.details.issues.map((i: { field: string }) => i.field).sort()).toEqual([
      "description",
      "title",
    ]);
  });

  it("rejects unknown fields, an unknown status, non-JSON and the wrong content type", async () => {
    expect((await call("POST", "/reports", { ...report(), status: "closed" })).status).toBe(400);
    const id: string = (await call("POST", "/reports", report())).json.id;
    expect((await call("POST", `/cases/${id}/transitions`, { to: "archived" })).json.error.code).toBe(
      "validation_failed",
    );
    expect((await call("POST", "/reports", "{not json")).json.error.code).toBe("invalid_json");
    const plain = await call("POST", "/reports", undefined, { "content-type": "text/plain" });
    expect(plain.status).toBe(415);
  });

  it("rejects a body over 64 KiB with 413", async () => {
    const res = await call("POST", "/reports", { ...report(), description: "x".repeat(70_000) });
    expect(res.status).toBe(413);
  });

  it("answers unknown routes with 404 and wrong methods with 405 and Allow", async () => {
    expect((await call("GET", "/nowhere")).json.error.code).toBe("not_found");
    const res = await call("DELETE", "/reports");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});

describe("listing cases", () => {
  it("pages through every case newest first, without gaps or repeats", async () => {
    for (let i = 0; i < 5; i++) await call("POST", "/reports", report(`Paged case ${i}`));
    const expected = await query<{ id: string }>(databaseUrl, "SELECT id FROM cases ORDER BY seq DESC");
    expect(expected.length).toBeGreaterThanOrEqual(5);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call("GET", `/cases?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.items.map((c: { id: string }) => c.id));
      cursor = res.json.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen).toEqual(expected.map((r) => r.id));
  });

  it("filters by status", async () => {
    const res = await call("GET", "/cases?status=closed&limit=100");
    expect(res.json.items.length).toBeGreaterThanOrEqual(2);
    expect(res.json.items.every((c: { status: string }) => c.status === "closed")).toBe(true);
  });

  it("rejects a bad limit or a forged cursor with 400", async () => {
    expect((await call("GET", "/cases?limit=0")).json.error.message).toBe(
      "invalid query: limit: limit must be at least 1",
    );
    expect((await call("GET", "/cases?limit=1000")).status).toBe(400);
    expect((await call("GET", "/cases?cursor=forged")).json.error.message).toBe(
      "cursor is not one this API returned",
    );
  });
});

describe("metrics", () => {
  it("exposes requests by route and status, latency, events and queue depth in Prometheus text", async () => {
    await call("POST", "/reports", report("Counted"));
    const res = await fetch(`${api.baseUrl}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/^http_requests_total\{method="POST",route="\/reports",status="201",.*\} \d+$/m);
    expect(text).toMatch(
      /^http_requests_total\{method="POST",route="\/cases\/:id\/transitions",status="409",.*\} \d+$/m,
    );
    expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status="404",.*\} \d+$/m);
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{le="0\.1",[^}]*method="POST",route="\/reports"\} \d+$/m,
    );
    expect(text).toMatch(/^case_events_published_total\{type="case\.opened",.*\} \d+$/m);
    expect(text).toMatch(/^case_events_queue_depth\{state="waiting",.*\} \d+$/m);
    expect(text).toMatch(/^case_events_queue_depth\{state="pending",.*\} \d+$/m);
    expect(text).toContain("process_cpu_seconds_total");

    // Everything published gets audited: the queue drains to zero.
    await eventually(async () => {
      const now = await (await fetch(`${api.baseUrl}/metrics`)).text();
      return /^case_events_queue_depth\{state="waiting",.*\} 0$/m.test(now) &&
        /^case_events_queue_depth\{state="pending",.*\} 0$/m.test(now)
        ? true
        : undefined;
    });
    const workerMetrics = await (await fetch(`${worker.baseUrl}/metrics`)).text();
    expect(workerMetrics).toMatch(/^case_events_processed_total\{result="written",.*\} \d+$/m);
  });
});

describe("with Redis unreachable", () => {
  it("stays live, is not ready, and refuses changes it could not audit (503, nothing saved)", async () => {
    const port = await freePort();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const lonely = await startServer("api", {
      DATABASE_URL: databaseUrl,
      REDIS_URL: deadRedis,
      APP_PORT: String(port),
    });
    try {
      expect((await fetch(`${lonely.baseUrl}/health`)).status).toBe(200);
      const ready = await fetch(`${lonely.baseUrl}/ready`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "not_ready", checks: { postgres: "ok" } });

      const before = await query(databaseUrl, "SELECT count(*)::int AS n FROM cases");
      const res = await fetch(`${lonely.baseUrl}/reports`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(report("Never saved")),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { code: "unavailable" } });
      expect(await query(databaseUrl, "SELECT count(*)::int AS n FROM cases")).toEqual(before);
    } finally {
      expect((await lonely.stop()).code).toBe(0);
    }
  });
});
