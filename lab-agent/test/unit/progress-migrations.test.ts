import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/checks/check-result.ts";
import { DrydockError } from "../../src/common/errors.ts";
import { SCHEMA_VERSION } from "../../src/progress/migrations.ts";
import { activeMs, IDLE_MS, TAIL_MS } from "../../src/progress/practice-time.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";

/** progress.db as Drydock 0.1 wrote it, before schema versions (user_version 0). */
const UNVERSIONED_SCHEMA = `
CREATE TABLE IF NOT EXISTS check_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lab TEXT NOT NULL, block TEXT NOT NULL, started_at TEXT NOT NULL, duration_ms REAL NOT NULL, trigger TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS check_results (
  run_id INTEGER NOT NULL REFERENCES check_runs(id) ON DELETE CASCADE,
  lab TEXT NOT NULL, block TEXT NOT NULL, deliverable TEXT NOT NULL, status TEXT NOT NULL,
  at TEXT NOT NULL, result_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_results_latest ON check_results(lab, block, deliverable, run_id);
CREATE TABLE IF NOT EXISTS swarm_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lab TEXT NOT NULL, service TEXT NOT NULL, at TEXT NOT NULL, event_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS swarm_history_service ON swarm_history(lab, service, id);
`;

const result = (id: string, status: CheckResult["status"], at: string): CheckResult => ({
  id,
  check: "image.user.nonroot",
  block: "h03-04",
  status,
  summary: `${id} ${status}`,
  evidence: [{ source: "laptop: GET /images/{name}/json", field: "Config.User", observed: status }],
  durationMs: 12,
  waits: false,
  at,
});

describe("progress.db migrations", () => {
  it("adopts a database from before schema versions, keeping its runs", () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-migrate-"));
    const old = new Database(join(home, "progress.db"));
    old.pragma("journal_mode = WAL");
    old.exec(UNVERSIONED_SCHEMA);
    const run = old
      .prepare("INSERT INTO check_runs (lab, block, started_at, duration_ms, trigger) VALUES (?, ?, ?, ?, ?)")
      .run("default", "h03-04", "2026-01-01T00:00:00Z", 5, "cli");
    old
      .prepare(
        "INSERT INTO check_results (run_id, lab, block, deliverable, status, at, result_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        run.lastInsertRowid,
        "default",
        "h03-04",
        "image-non-root",
        "pass",
        "2026-01-01T00:00:00Z",
        JSON.stringify(result("image-non-root", "pass", "2026-01-01T00:00:00Z")),
      );
    expect(old.pragma("user_version", { simple: true })).toBe(0);
    old.close();

    const store = new ProgressStore(home);
    expect(store.latest("default", "h03-04").map((r) => r.status)).toEqual(["pass"]);
    expect(store.recordActivity("default", "h03-04", "terminal", 1000)).toBe(true);
    store.close();
    const db = new Database(join(home, "progress.db"));
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
    // Opening again applies nothing twice.
    const again = new ProgressStore(home);
    expect(again.practiceTime("default")).toHaveLength(1);
    again.close();
  });

  it("refuses a database from a newer Drydock, saying what to do", () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-migrate-"));
    const db = new Database(join(home, "progress.db"));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new ProgressStore(home)).toThrow(DrydockError);
    expect(() => new ProgressStore(home)).toThrow(/newer Drydock/);
  });
});

describe("deliverable stats", () => {
  it("gives the latest result, the attempts and the first pass per deliverable", () => {
    const store = new ProgressStore(mkdtempSync(join(tmpdir(), "drydock-stats-")));
    const save = (at: string, results: CheckResult[]) =>
      store.saveRun({ lab: "l", block: "h03-04", startedAt: at, durationMs: 1, results }, "cli");
    save("t1", [result("a", "fail", "t1"), result("b", "fail", "t1")]);
    save("t2", [result("a", "pass", "t2")]);
    save("t3", [result("a", "fail", "t3")]);
    store.saveRun(
      { lab: "m", block: "h03-04", startedAt: "t4", durationMs: 1, results: [result("a", "pass", "t4")] },
      "cli",
    );
    const stats = store.deliverableStats("l");
    expect(stats.map((s) => [s.deliverable, s.attempts, s.firstPassAt, s.latest.status])).toEqual([
      ["a", 3, "t2", "fail"],
      ["b", 1, undefined, "fail"],
    ]);
    store.close();
  });
});

describe("practice time", () => {
  const min = 60_000;
  it.each<[string, number[], number]>([
    ["no activity", [], 0],
    ["one keystroke: the tail only", [0], TAIL_MS],
    ["steady typing for ten minutes", Array.from({ length: 41 }, (_, i) => i * 15_000), 10 * min + TAIL_MS],
    ["a gap just under the idle limit counts", [0, IDLE_MS], IDLE_MS + TAIL_MS],
    [
      "lunch in the middle is excluded",
      [0, min, 2 * min, 62 * min, 63 * min],
      2 * min + TAIL_MS + min + TAIL_MS,
    ],
    ["ticks out of order", [2 * min, 0, min], 2 * min + TAIL_MS],
  ])("%s", (_n, ticks, expected) => {
    expect(activeMs(ticks)).toBe(expected);
  });

  it("the store keeps one tick per source and block per 15 s and sums per block", () => {
    const store = new ProgressStore(mkdtempSync(join(tmpdir(), "drydock-time-")));
    const t0 = 1_700_000_000_000;
    const written = Array.from({ length: 121 }, (_, i) =>
      store.recordActivity("l", "h03-04", "terminal", t0 + i * 1000),
    );
    expect(written.filter(Boolean)).toHaveLength(9); // 0, 15, …, 120 s
    store.recordActivity("l", "h03-04", "page", t0);
    store.recordActivity("l", "h03-04", "page", t0 + 60_000);
    store.recordActivity("l", "h05-06", "terminal", t0 + 3_600_000);
    expect(store.practiceTime("l")).toEqual([
      { block: "h03-04", terminalMs: 120_000 + TAIL_MS, pageMs: 60_000 + TAIL_MS },
      { block: "h05-06", terminalMs: TAIL_MS, pageMs: 0 },
    ]);
    expect(() => store.recordActivity("l", "h99", "terminal")).toThrow();
    store.close();
  });
});
