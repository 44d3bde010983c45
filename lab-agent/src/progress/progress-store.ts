import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { type BlockRun, CheckResult } from "../checks/check-result.ts";
import { HistoryEvent, type HistoryEventInput, type SwarmHistory } from "../checks/swarm-history.ts";

const SCHEMA = `
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

const ResultRow = z.object({ result_json: z.string() });
const HistoryRow = z.object({ event_json: z.string() });
const LastRunRow = z.object({ block: z.string(), id: z.number() });

/**
 * Every check run with its evidence, and the swarm history the agent recorded, in one
 * SQLite file in DRYDOCK_HOME. WAL mode: the CLI and a running agent may both write.
 */
export class ProgressStore implements SwarmHistory {
  private readonly db: Database.Database;

  constructor(home: string) {
    mkdirSync(home, { recursive: true });
    this.db = new Database(join(home, "progress.db"));
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    this.db.exec(SCHEMA);
  }

  saveRun(run: BlockRun, trigger: string): number {
    const insertRun = this.db.prepare(
      "INSERT INTO check_runs (lab, block, started_at, duration_ms, trigger) VALUES (?, ?, ?, ?, ?)",
    );
    const insertResult = this.db.prepare(
      "INSERT INTO check_results (run_id, lab, block, deliverable, status, at, result_json) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    return this.db.transaction(() => {
      const id = Number(
        insertRun.run(run.lab, run.block, run.startedAt, run.durationMs, trigger).lastInsertRowid,
      );
      for (const r of run.results) {
        insertResult.run(id, run.lab, run.block, r.id, r.status, r.at, JSON.stringify(CheckResult.parse(r)));
      }
      return id;
    })();
  }

  /** The latest result of each deliverable of a block, whichever run it came from. */
  latest(lab: string, block: string): CheckResult[] {
    const rows = this.db
      .prepare(
        `SELECT r.result_json FROM check_results r
         JOIN (SELECT deliverable, MAX(run_id) AS run_id FROM check_results WHERE lab = ? AND block = ? GROUP BY deliverable) m
         ON r.deliverable = m.deliverable AND r.run_id = m.run_id
         WHERE r.lab = ? AND r.block = ?`,
      )
      .all(lab, block, lab, block);
    return rows.map((row) => CheckResult.parse(JSON.parse(ResultRow.parse(row).result_json)));
  }

  /** The newest run id of each block of a lab: cheap to poll, it changes whenever any process stores a run. */
  lastRuns(lab: string): Map<string, number> {
    const rows = this.db
      .prepare("SELECT block, MAX(id) AS id FROM check_runs WHERE lab = ? GROUP BY block")
      .all(lab);
    return new Map(rows.map((row) => LastRunRow.parse(row)).map((r) => [r.block, r.id]));
  }

  record(lab: string, event: HistoryEventInput): void {
    this.db
      .prepare("INSERT INTO swarm_history (lab, service, at, event_json) VALUES (?, ?, ?, ?)")
      .run(lab, event.service, event.at, JSON.stringify(HistoryEvent.parse(event)));
  }

  events(lab: string, service: string): HistoryEvent[] {
    const rows = this.db
      .prepare("SELECT event_json FROM swarm_history WHERE lab = ? AND service = ? ORDER BY id")
      .all(lab, service);
    return rows.map((row) => HistoryEvent.parse(JSON.parse(HistoryRow.parse(row).event_json)));
  }

  close(): void {
    this.db.close();
  }
}
