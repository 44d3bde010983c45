import { randomUUID } from "node:crypto";
import { createClient } from "@redis/client";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type CaseEvent, queueDepth, toStreamFields } from "../../src/events.ts";
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

let databaseUrl: string;
const redis = createClient({ url: inject("redisUrl") });

beforeAll(async () => {
  await redis.connect();
  databaseUrl = await createDatabase();
  expect((await runApp("migrate", { DATABASE_URL: databaseUrl })).code).toBe(0);
});

afterAll(async () => {
  redis.destroy();
});

function event(overrides: Partial<CaseEvent> = {}): CaseEvent {
  return {
    eventId: randomUUID(),
    type: "case.transitioned",
    caseId: randomUUID(),
    fromStatus: "open",
    toStatus: "investigating",
    actor: "inspector",
    reason: null,
    occurredAt: new Date().toISOString(),
    ...overrides,
  };
}

async function startWorker(stream: string, extra: Record<string, string> = {}) {
  return startServer("worker", {
    DATABASE_URL: databaseUrl,
    REDIS_URL: inject("redisUrl"),
    EVENTS_STREAM: stream,
    APP_PORT: String(await freePort()),
    WORKER_BLOCK_MS: "200",
    ...extra,
  });
}

const auditRows = (eventId: string) =>
  query(databaseUrl, "SELECT * FROM case_audit WHERE event_id = $1", [eventId]);

describe("worker", () => {
  let worker: AppProcess & { baseUrl: string };
  const stream = uniqueStream();

  beforeAll(async () => {
    worker = await startWorker(stream);
  });
  afterAll(async () => {
    expect((await worker.stop()).code).toBe(0);
  });

  it("writes a redelivered event only once", async () => {
    const e = event();
    await redis.xAdd(stream, "*", toStreamFields(e));
    await redis.xAdd(stream, "*", toStreamFields(e)); // the same event, delivered again
    await eventually(async () =>
      worker.logs.filter((l) => l.eventId === e.eventId).length === 2 ? true : undefined,
    );
    expect(worker.logs.filter((l) => l.eventId === e.eventId).map((l) => l.outcome)).toEqual([
      "written",
      "duplicate",
    ]);
    const rows = await auditRows(e.eventId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ case_id: e.caseId, from_status: "open", to_status: "investigating" });
    // Both entries were acknowledged.
    expect(await redis.xPending(stream, "audit-writer")).toMatchObject({ pending: 0 });
  });

  it("moves a malformed event to the dead-letter stream and acknowledges it", async () => {
    const id = await redis.xAdd(stream, "*", { eventId: "not-a-uuid", type: "case.exploded" });
    const dead = await eventually(async () => {
      const entries = await redis.xRange(`${stream}:dead`, "-", "+");
      return entries.length > 0 ? entries : undefined;
    });
    expect(dead[0]?.message).toMatchObject({ sourceId: id, type: "case.exploded" });
    expect(dead[0]?.message.error).toContain("malformed event");
    await eventually(async () =>
      (await redis.xPending(stream, "audit-writer")).pending === 0 ? true : undefined,
    );
  });
});

describe("worker recovery", () => {
  it("audits events published while it was down once it starts", async () => {
    const stream = uniqueStream();
    const first = await startWorker(stream); // creates the consumer group
    await first.stop();
    const e = event({ type: "case.opened", fromStatus: null, toStatus: "open" });
    await redis.xAdd(stream, "*", toStreamFields(e));
    const second = await startWorker(stream);
    try {
      await eventually(async () => ((await auditRows(e.eventId)).length === 1 ? true : undefined));
    } finally {
      await second.stop();
    }
  });

  it("takes over events a crashed consumer received but never acknowledged", async () => {
    const stream = uniqueStream();
    await redis.xGroupCreate(stream, "audit-writer", "0", { MKSTREAM: true });
    const e = event();
    await redis.xAdd(stream, "*", toStreamFields(e));
    // A consumer that reads the event and then "crashes" before acknowledging it.
    await redis.xReadGroup("audit-writer", "crashed-consumer", { key: stream, id: ">" }, { COUNT: 10 });
    expect(await redis.xPending(stream, "audit-writer")).toMatchObject({ pending: 1 });

    const worker = await startWorker(stream, { WORKER_CLAIM_IDLE_MS: "1000" });
    try {
      await eventually(async () => ((await auditRows(e.eventId)).length === 1 ? true : undefined), 15_000);
      expect(
        worker.logs.some((l) => l.msg === "took over events left unacknowledged by another consumer"),
      ).toBe(true);
      await eventually(async () =>
        (await redis.xPending(stream, "audit-writer")).pending === 0 ? true : undefined,
      );
    } finally {
      await worker.stop();
    }
  });

  it("keeps an event pending while PostgreSQL refuses it, and audits it once it can", async () => {
    const stream = uniqueStream();
    // A worker whose database has no audit table yet: every write fails.
    const emptyDb = await createDatabase();
    const worker = await startServer("worker", {
      DATABASE_URL: emptyDb,
      REDIS_URL: inject("redisUrl"),
      EVENTS_STREAM: stream,
      APP_PORT: String(await freePort()),
      WORKER_BLOCK_MS: "200",
    });
    try {
      const e = event();
      await redis.xAdd(stream, "*", toStreamFields(e));
      const failure = await worker.waitForLog((l) => l.msg === "event processing failed");
      expect(failure.err).toMatchObject({ message: 'relation "case_audit" does not exist' });
      expect(await redis.xPending(stream, "audit-writer")).toMatchObject({ pending: 1 });
      // The fix arrives (migrations run); the retried event is written and acknowledged.
      expect((await runApp("migrate", { DATABASE_URL: emptyDb })).code).toBe(0);
      await eventually(
        async () =>
          (await query(emptyDb, "SELECT 1 FROM case_audit WHERE event_id = $1", [e.eventId])).length === 1
            ? true
            : undefined,
        15_000,
      );
      await eventually(async () =>
        (await redis.xPending(stream, "audit-writer")).pending === 0 ? true : undefined,
      );
    } finally {
      await worker.stop();
    }
  });
});

describe("queue depth", () => {
  it("counts events waiting for a worker and events delivered but not acknowledged", async () => {
    const stream = uniqueStream();
    expect(await queueDepth(redis, stream, "audit-writer")).toEqual({ waiting: 0, pending: 0 });
    for (let i = 0; i < 3; i++) await redis.xAdd(stream, "*", toStreamFields(event()));
    // No consumer group yet: everything is waiting.
    expect(await queueDepth(redis, stream, "audit-writer")).toEqual({ waiting: 3, pending: 0 });
    await redis.xGroupCreate(stream, "audit-writer", "0");
    await redis.xReadGroup("audit-writer", "c1", { key: stream, id: ">" }, { COUNT: 1 });
    expect(await queueDepth(redis, stream, "audit-writer")).toEqual({ waiting: 2, pending: 1 });
  });
});
