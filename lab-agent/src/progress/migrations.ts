import type Database from "better-sqlite3";
import { DrydockError, ErrorCode } from "../common/errors.ts";

/**
 * progress.db's schema, as numbered migrations. SQLite's `user_version` holds the number applied;
 * each migration runs once, in its own transaction, so an upgrade that stops half-way leaves the
 * previous version intact. Version 1 is the schema Drydock created before versions existed (every
 * statement is IF NOT EXISTS, so it adopts such a file as it is). Never edit a released migration:
 * add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: check runs, results and swarm history.
  `CREATE TABLE IF NOT EXISTS check_runs (
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
  CREATE INDEX IF NOT EXISTS swarm_history_service ON swarm_history(lab, service, id);`,
  // 2: practice activity (terminal input, page focus) per block, and the learner's profile.
  `CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lab TEXT NOT NULL, block TEXT NOT NULL, source TEXT NOT NULL CHECK (source IN ('terminal', 'page')),
    at_ms INTEGER NOT NULL
  );
  CREATE INDEX activity_block ON activity(lab, block, source, at_ms);
  CREATE TABLE profile (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 3: quiz attempts (the block page's quiz, graded by the agent), newest last.
  `CREATE TABLE quiz_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lab TEXT NOT NULL, block TEXT NOT NULL, at TEXT NOT NULL, source TEXT NOT NULL,
    correct INTEGER NOT NULL, total INTEGER NOT NULL, wrong_json TEXT NOT NULL, answers_json TEXT NOT NULL
  );
  CREATE INDEX quiz_attempts_latest ON quiz_attempts(lab, block, id);`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): number {
  const current = Number(db.pragma("user_version", { simple: true }));
  if (current > SCHEMA_VERSION) {
    throw new DrydockError(
      ErrorCode.labState,
      `progress.db was written by a newer Drydock (schema ${current}; this one knows ${SCHEMA_VERSION}).`,
      { hint: "Update Drydock (git pull), or use a DRYDOCK_HOME of its own for this older version." },
    );
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] ?? "");
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return SCHEMA_VERSION;
}
