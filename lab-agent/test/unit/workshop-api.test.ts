import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgressStore } from "../../src/progress/progress-store.ts";
import type { AgentServer } from "../../src/server/agent-server.ts";
import { newEvent, Roster } from "../../src/workshop/roster.ts";
import { startOfflineAgent } from "../support/offline-agent.ts";

/** The workshop routes on a real agent server with no lab (`--no-lab`): guards, roles, zod, the roster file. */
const home = mkdtempSync(join(tmpdir(), "drydock-workshop-api-"));
const token = "t".repeat(43);
const CODE = "ROOM-4242";
let agent: AgentServer;

const start = () =>
  startOfflineAgent({
    token,
    lab: "lead",
    home,
  });
beforeAll(async () => {
  agent = await start();
});
afterAll(() => agent?.close());

type Json = { error?: { code: string; message: string; hint?: string } } & Record<string, unknown>;
const call = async (
  path: string,
  opts: { as?: string | null; body?: unknown; method?: string; headers?: Record<string, string> } = {},
) => {
  const res = await fetch(`${agent.origin}${path}`, {
    method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
    headers: {
      ...(opts.as ? { Authorization: `Bearer ${opts.as}` } : {}),
      ...(opts.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: (type.includes("json") ? JSON.parse(text) : {}) as Json,
  };
};
const lead = (path: string, body?: unknown) =>
  call(path, { as: token, ...(body !== undefined ? { body } : {}) });
const joinAs = (name: string, code = CODE) => call("/api/workshop/join", { body: { code, name } });

const learners: Record<string, { credential: string; id: string }> = {};
const labOf = (who: string) => `ws-${learners[who]?.id}`;

describe("the workshop API", () => {
  it("answers 404 'no workshop' before the lead started one", async () => {
    const r = await joinAs("Ana");
    expect(r.status).toBe(404);
    expect(r.json.error?.message).toBe("There is no workshop running on this agent.");
    expect(r.json.error?.hint).toMatch(/drydock workshop start --seats N/);
  });

  it("lets a learner join with the code and a name, and gives them their own credential", async () => {
    // The CLI (another process) writes the event; the running agent reads it from DRYDOCK_HOME.
    await new Roster(home).start(newEvent({ seats: 3, code: CODE }, Date.now()));
    const r = await joinAs("  Ana   Lima ", "room 4242");
    expect(r.status).toBe(201);
    const id = (r.json.learner as { id: string }).id;
    // Their lab is named by their random id; this agent has no engine (--no-lab), so starts none.
    expect(r.json.learner).toMatchObject({ name: "Ana Lima", seat: 1, lab: `ws-${id}` });
    expect(r.json.labState).toBe("none");
    expect(r.json.credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r.json.event).toMatchObject({ over: false, endedAt: null });
    expect(r.text).not.toContain(CODE);
    learners.ana = { credential: r.json.credential as string, id: (r.json.learner as { id: string }).id };
    const b = await joinAs("Budi");
    expect(b.status).toBe(201);
    learners.budi = { credential: b.json.credential as string, id: (b.json.learner as { id: string }).id };
  });

  it.each<[string, unknown, number, string, RegExp]>([
    [
      "a wrong code",
      { code: "ROOM-4243", name: "Citra" },
      401,
      "unauthorized",
      /That event code is not right/,
    ],
    ["an empty name", { code: CODE, name: "   " }, 400, "usage", /`name`: a display name is needed/],
    [
      "a long name",
      { code: CODE, name: "x".repeat(41) },
      400,
      "usage",
      /`name`: a display name has at most 40/,
    ],
    ["an unknown field", { code: CODE, name: "Citra", seat: 1 }, 400, "usage", /Invalid request body/],
    [
      "a name taken (any case)",
      { code: CODE, name: "ana lima" },
      409,
      "conflict",
      /already goes by "ana lima"/,
    ],
  ])("refuses %s with a clear 4xx", async (_what, body, status, code, message) => {
    const r = await call("/api/workshop/join", { body });
    expect(r.status).toBe(status);
    expect(r.json.error?.code).toBe(code);
    expect(r.json.error?.message).toMatch(message);
  });

  it("keeps joins behind the Host and Origin guards", async () => {
    const evil = await call("/api/workshop/join", {
      body: { code: CODE, name: "Mallory" },
      headers: { Origin: "http://evil.test" },
    });
    expect(evil.status).toBe(403);
    expect(evil.json.error?.code).toBe("forbidden");
  });

  it("shows a learner their own seat only, and none of the lead's routes", async () => {
    const me = await call("/api/workshop/me", { as: learners.ana?.credential ?? "" });
    expect(me.status).toBe(200);
    expect(me.json.learner).toMatchObject({
      id: learners.ana?.id,
      name: "Ana Lima",
      seat: 1,
      status: "joined",
    });
    expect(me.text).not.toContain("Budi");
    expect(me.text).not.toContain(CODE);
    const budi = await call("/api/workshop/me", { as: learners.budi?.credential ?? "" });
    expect(budi.json.learner).toMatchObject({ id: learners.budi?.id, seat: 2 });
    expect(budi.text).not.toContain("Ana");

    const asAna = learners.ana?.credential ?? "";
    for (const [path, body] of [
      ["/api/workshop/roster", undefined],
      ["/api/workshop/results.csv", undefined],
      ["/api/workshop/extend", { minutes: 10 }],
      ["/api/workshop/end", {}],
      ["/api/lab", undefined],
      ["/api/swarm", undefined],
      ["/api/scorecard/verify", { scorecard: {} }],
    ] as const) {
      const r = await call(path, { as: asAna, ...(body !== undefined ? { body } : {}) });
      expect(r.status, path).toBe(403);
      expect(r.json.error?.message, path).toBe("This is for the workshop lead only.");
    }
    // Terminals, tickets, checks and progress are the learner's own lab's: this agent starts no
    // labs (--no-lab), so a terminal is refused in plain words (workshop-terminals-api.test.ts has them).
    expect((await call("/api/progress", { as: asAna })).status).toBe(200);
    // The version names the learner's own lab (their page keys its terminals by it), drills are theirs.
    const version = await call("/api/version", { as: asAna });
    expect(version.json).toMatchObject({ name: "drydock", lab: labOf("ana"), learner: learners.ana?.id });
    expect((await call("/api/drills", { as: asAna })).json).toMatchObject({ lab: labOf("ana"), runs: [] });
    for (const [path, body] of [
      ["/api/tickets", { purpose: "terminal-open", node: "laptop" }],
      ["/api/terminals", { node: "laptop" }],
    ] as const) {
      const r = await call(path, { as: asAna, body });
      expect(r.status, path).toBe(409);
      expect(r.json.error?.message, path).toMatch(/starts no labs/);
    }
    const again = await call("/api/workshop/join", { as: asAna, body: { code: CODE, name: "Ana 2" } });
    expect(again.status).toBe(409);
    expect(again.json.error?.message).toMatch(/already joined/);
  });

  it("refuses anyone without a credential everywhere but join, and a made-up credential everywhere", async () => {
    for (const path of ["/api/workshop/roster", "/api/workshop/me", "/api/version"]) {
      expect((await call(path)).status, path).toBe(401);
      expect((await call(path, { as: "y".repeat(43) })).status, path).toBe(401);
    }
  });

  it("gives the lead the live roster with everyone's state, figures from progress.db, and the code", async () => {
    const store = new ProgressStore(home);
    store.recordActivity(labOf("ana"), "h03-04", "terminal", Date.now() - 60_000);
    store.recordActivity(labOf("ana"), "h03-04", "terminal", Date.now());
    store.close();
    const r = await lead("/api/workshop/roster");
    expect(r.status).toBe(200);
    expect(r.json.event).toMatchObject({ code: CODE, seats: 3, taken: 2, over: false });
    const list = r.json.learners as Array<Record<string, unknown>>;
    expect(list.map((l) => [l.seat, l.name])).toEqual([
      [1, "Ana Lima"],
      [2, "Budi"],
    ]);
    // Ana practised in her lab (progress.db, by lab id) and passed nothing yet, seconds after joining;
    // Budi has done nothing (calling /me is not activity).
    expect(list[0]).toMatchObject({ status: "active", checksPassed: 0, practiceMinutes: 1.5 });
    expect(list[1]).toMatchObject({ status: "joined", lastActivityAt: null, practiceMinutes: 0 });
    expect(r.json.counts).toEqual({ active: 1, joined: 1, idle: 0, stuck: 0 });
    expect(r.text).not.toMatch(/credential/i);
  });

  it("lets the lead extend the event", async () => {
    const before = Date.parse(((await lead("/api/workshop/roster")).json.event as { until: string }).until);
    const r = await lead("/api/workshop/extend", { minutes: 30 });
    expect(r.status).toBe(200);
    expect(Date.parse((r.json.event as { until: string }).until) - before).toBe(30 * 60_000);
    const bad = await lead("/api/workshop/extend", { minutes: 0 });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.message).toMatch(/`minutes`/);
  });

  it("answers 'workshop full' for the fourth of three seats", async () => {
    const c = await joinAs("Citra");
    expect(c.status).toBe(201);
    learners.citra = { credential: c.json.credential as string, id: (c.json.learner as { id: string }).id };
    const r = await joinAs("Dewi");
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({
      code: "workshop-full",
      message: "The workshop is full: all 3 seats are taken.",
    });
  });

  it("exports everyone's results as CSV for the lead, names defused", async () => {
    const r = await lead("/api/workshop/results.csv");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(r.headers.get("content-disposition")).toMatch(
      /^attachment; filename="results-[a-f0-9]{16}\.csv"$/,
    );
    const lines = r.text.split("\r\n");
    expect(lines[0]).toBe(
      "seat,name,lab,status,joined_at,last_activity_at,checks_passed,checks_tried,practice_minutes",
    );
    expect(lines.slice(1, 4).map((l) => l.split(",").slice(0, 3))).toEqual([
      ["1", "Ana Lima", labOf("ana")],
      ["2", "Budi", labOf("budi")],
      ["3", "Citra", labOf("citra")],
    ]);
  });

  it("keeps learners' credentials across an agent restart", async () => {
    await agent.close();
    agent = await start();
    const me = await call("/api/workshop/me", { as: learners.budi?.credential ?? "" });
    expect(me.status).toBe(200);
    expect(me.json.learner).toMatchObject({ name: "Budi", seat: 2 });
  });

  it("ends the event: joins answer 'ended', learners' credentials open nothing (410), results stay", async () => {
    const r = await lead("/api/workshop/end", {});
    expect(r.status).toBe(200);
    expect(r.json.event).toMatchObject({ over: true });
    const late = await joinAs("Eko");
    expect(late.status).toBe(410);
    expect(late.json.error?.code).toBe("event-ended");
    expect(late.json.error?.message).toMatch(/^This workshop ended at \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/);
    const gone = await call("/api/workshop/me", { as: learners.ana?.credential ?? "" });
    expect(gone.status).toBe(410);
    expect(gone.json.error?.code).toBe("event-ended");
    expect((await lead("/api/workshop/results.csv")).status).toBe(200);
    const extend = await lead("/api/workshop/extend", { minutes: 10 });
    expect(extend.status).toBe(410);
  });

  it("throttles wrong codes: the eleventh in a minute is a 429, even with the right code", async () => {
    await new Roster(home).start(newEvent({ seats: 3, code: "NEXT-EVENT" }, Date.now()));
    for (let i = 0; i < 10; i++) expect((await joinAs(`guess ${i}`, `GUESS-${i}000`)).status).toBe(401);
    const r = await joinAs("Eko", "NEXT-EVENT");
    expect(r.status).toBe(429);
    expect(r.json.error?.message).toMatch(/Too many wrong event codes/);
  });
});
