import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { type BlockRun, CheckResult } from "../checks/check-result.ts";
import {
  HistoryEvent,
  type HistoryEventInput,
  type SwarmHistory,
} from "../checks/collectors/swarm-history.ts";
import { BLOCK_IDS } from "../course/course-outline.ts";
import type { QuizVerdict } from "../course/quizzes.ts";
import { migrate } from "./migrations.ts";
import { activeMs, TICK_MS } from "./practice-time.ts";

const ResultRow = z.object({ result_json: z.string() });
const HistoryRow = z.object({ event_json: z.string() });
const LastRunRow = z.object({ block: z.string(), id: z.number() });
const StatsRow = z.object({
  block: z.string(),
  deliverable: z.string(),
  attempts: z.number().int(),
  first_pass_at: z.string().nullable(),
  result_json: z.string(),
});
const TickRow = z.object({ block: z.string(), source: z.enum(["terminal", "page"]), at_ms: z.number() });
const ValueRow = z.object({ value: z.string() });
const QuizRow = z.object({
  at: z.string(),
  source: z.string(),
  correct: z.number().int(),
  total: z.number().int(),
  wrong_json: z.string(),
  answers_json: z.string(),
});

/** One graded quiz attempt as stored: the verdict, and the answers given (for the learner's record). */
export interface QuizAttempt extends QuizVerdict {
  source: string;
  answers: Record<string, string>;
}

/** What the quiz check reads (the store implements it; tests give a fake). */
export interface QuizAttempts {
  latestQuizAttempt(lab: string, block: string): QuizAttempt | undefined;
}

/** Where practice time comes from: keystrokes in a terminal, or a block's page in front. */
export const ActivitySource = z.enum(["terminal", "page"]);
export type ActivitySource = z.infer<typeof ActivitySource>;

/** Per deliverable: its latest result, how many results it has, and when it first passed. */
export interface DeliverableStats {
  block: string;
  deliverable: string;
  attempts: number;
  firstPassAt?: string;
  latest: CheckResult;
}

/** Active practice per block, in ms, idle gaps excluded. */
export interface PracticeTime {
  block: string;
  terminalMs: number;
  pageMs: number;
}

/**
 * Every check run with its evidence, and the swarm history the agent recorded, in one
 * SQLite file in DRYDOCK_HOME. WAL mode: the CLI and a running agent may both write.
 */
export class ProgressStore implements SwarmHistory, QuizAttempts {
  private readonly db: Database.Database;

  constructor(home: string) {
    const file = join(home, "progress.db");
    secureFiles(home, file);
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.pragma("foreign_keys = ON");
    migrate(this.db);
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

  /** Every deliverable with a result in this lab: the latest, the number of results, the first pass. */
  deliverableStats(lab: string): DeliverableStats[] {
    const rows = this.db
      .prepare(
        `SELECT r.block, r.deliverable, m.attempts, m.first_pass_at, r.result_json FROM check_results r
         JOIN (SELECT block, deliverable, MAX(run_id) AS run_id, COUNT(*) AS attempts,
                      MIN(CASE WHEN status = 'pass' THEN at END) AS first_pass_at
               FROM check_results WHERE lab = ? GROUP BY block, deliverable) m
         ON r.block = m.block AND r.deliverable = m.deliverable AND r.run_id = m.run_id
         WHERE r.lab = ? ORDER BY r.block, r.deliverable`,
      )
      .all(lab, lab);
    return rows.map((row) => {
      const r = StatsRow.parse(row);
      return {
        block: r.block,
        deliverable: r.deliverable,
        attempts: r.attempts,
        ...(r.first_pass_at ? { firstPassAt: r.first_pass_at } : {}),
        latest: CheckResult.parse(JSON.parse(r.result_json)),
      };
    });
  }

  private readonly lastTick = new Map<string, number>();

  /**
   * Notes that the learner is practising a block (a keystroke in a terminal, a page in front).
   * Cheap to call on every keystroke: at most one tick per source and block per TICK_MS is written.
   * Returns whether it was written.
   */
  recordActivity(lab: string, block: string, source: ActivitySource, atMs = Date.now()): boolean {
    const key = `${lab}\u0000${block}\u0000${source}`;
    const last = this.lastTick.get(key);
    if (last !== undefined && atMs - last < TICK_MS && atMs >= last) return false;
    this.lastTick.set(key, atMs);
    this.db
      .prepare("INSERT INTO activity (lab, block, source, at_ms) VALUES (?, ?, ?, ?)")
      .run(lab, z.enum(BLOCK_IDS).parse(block), ActivitySource.parse(source), Math.round(atMs));
    return true;
  }

  /** When the learner last practised in this lab (terminal input, page in front), ms since the epoch. */
  lastActivityMs(lab: string): number | undefined {
    const row = this.db.prepare("SELECT MAX(at_ms) AS at FROM activity WHERE lab = ?").get(lab) as
      | { at: number | null }
      | undefined;
    return row?.at ?? undefined;
  }

  /** Active terminal and page time per block (idle gaps excluded), blocks with any activity only. */
  practiceTime(lab: string): PracticeTime[] {
    const rows = this.db
      .prepare("SELECT block, source, at_ms FROM activity WHERE lab = ? ORDER BY block, source, at_ms")
      .all(lab)
      .map((row) => TickRow.parse(row));
    const ticks = new Map<string, { terminal: number[]; page: number[] }>();
    for (const r of rows) {
      const t = ticks.get(r.block) ?? { terminal: [], page: [] };
      t[r.source].push(r.at_ms);
      ticks.set(r.block, t);
    }
    return [...ticks].map(([block, t]) => ({
      block,
      terminalMs: activeMs(t.terminal),
      pageMs: activeMs(t.page),
    }));
  }

  /** Stores one graded attempt at a block's quiz; `source` is who sent it (page, solve). */
  saveQuizAttempt(
    lab: string,
    block: string,
    verdict: QuizVerdict,
    answers: Record<string, string>,
    source: string,
  ): void {
    this.db
      .prepare(
        "INSERT INTO quiz_attempts (lab, block, at, source, correct, total, wrong_json, answers_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .run(
        lab,
        z.enum(BLOCK_IDS).parse(block),
        verdict.at,
        source,
        verdict.correct,
        verdict.total,
        JSON.stringify(verdict.wrong),
        JSON.stringify(answers),
      );
  }

  latestQuizAttempt(lab: string, block: string): QuizAttempt | undefined {
    const row = this.db
      .prepare(
        "SELECT at, source, correct, total, wrong_json, answers_json FROM quiz_attempts WHERE lab = ? AND block = ? ORDER BY id DESC LIMIT 1",
      )
      .get(lab, block);
    if (row === undefined) return undefined;
    const r = QuizRow.parse(row);
    const wrong = z.array(z.string()).parse(JSON.parse(r.wrong_json));
    return {
      at: r.at,
      source: r.source,
      correct: r.correct,
      total: r.total,
      wrong,
      passed: wrong.length === 0,
      answers: z.record(z.string(), z.string()).parse(JSON.parse(r.answers_json)),
    };
  }

  getProfile(key: string): string | undefined {
    const row = this.db.prepare("SELECT value FROM profile WHERE key = ?").get(key);
    return row === undefined ? undefined : ValueRow.parse(row).value;
  }

  setProfile(key: string, value: string): void {
    this.db
      .prepare(
        "INSERT INTO profile (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, value);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * progress.db holds the learner's evidence: 0600 in a 0700 folder. The file is created
 * 0600 before SQLite opens it, because SQLite gives its -wal and -shm files the database
 * file's mode; files left by an older Drydock are tightened too.
 */
function secureFiles(home: string, file: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  chmodSync(home, 0o700);
  if (!existsSync(file)) closeSync(openSync(file, "a", 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}
