import pg from "pg";
import { isConnectionError, sqlState } from "../db.ts";
import { ExitCode, FatalError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { sleep } from "../signals.ts";
import type { Migration } from "./files.ts";

/** Every runner of every replica computes the same key, so only one of them migrates at a time. */
const lockKey = "reg-case-platform.migrate";

export interface MigrateResult {
  applied: { version: number; name: string; ms: number }[];
  alreadyApplied: number;
}

/**
 * Applies pending migrations under a session-level advisory lock. A second runner waits for the
 * first (up to `lockTimeoutMs`), then finds nothing left to do. `lock_timeout` also bounds how long
 * a DDL statement may queue behind the running release's transactions, and `statement_timeout`
 * how long any statement may run: a migration fails clearly instead of hanging a deploy.
 */
export async function runMigrations(options: {
  url: string;
  migrations: Migration[];
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  log: Logger;
}): Promise<MigrateResult> {
  const { log } = options;
  const client = new pg.Client({
    connectionString: options.url,
    application_name: "reg-case-migrate",
    connectionTimeoutMillis: 10_000,
  });
  client.on("error", () => {}); // a dropped connection surfaces as the failing query's error
  try {
    await client.connect();
  } catch (error) {
    throw new FatalError(
      `cannot connect to the database: ${(error as Error).message}`,
      ExitCode.unavailable,
      {
        cause: error,
      },
    );
  }
  try {
    await client.query(`SET statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
    await client.query(`SET lock_timeout = ${Math.trunc(options.lockTimeoutMs) || 1}`);
    await acquireLock(client, options.lockTimeoutMs, log);
    try {
      return await applyPending(client, options.migrations, log);
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]).catch(() => {});
    }
  } catch (error) {
    throw explain(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function acquireLock(client: pg.Client, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let waitingLogged = false;
  for (;;) {
    const result = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext($1)) AS locked",
      [lockKey],
    );
    if (result.rows[0]?.locked) return;
    if (Date.now() >= deadline) {
      throw new FatalError(
        `another migrate run holds the migration lock; gave up after ${timeoutMs} ms (MIGRATE_LOCK_TIMEOUT_MS)`,
        ExitCode.tempFailure,
      );
    }
    if (!waitingLogged) {
      log.info("another migrate run holds the migration lock; waiting for it");
      waitingLogged = true;
    }
    await sleep(Math.min(250, Math.max(deadline - Date.now(), 0)));
  }
}

async function applyPending(client: pg.Client, migrations: Migration[], log: Logger): Promise<MigrateResult> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version     integer PRIMARY KEY,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      duration_ms integer NOT NULL
    )`);
  const { rows } = await client.query<{ version: number; checksum: string }>(
    "SELECT version, checksum FROM schema_migrations",
  );
  const applied = new Map(rows.map((r) => [r.version, r.checksum]));

  for (const m of migrations) {
    const checksum = applied.get(m.version);
    // An applied migration is history: editing it would leave databases that differ silently.
    if (checksum !== undefined && checksum !== m.checksum) {
      throw new FatalError(
        `migration ${pad(m.version)}_${m.name} was changed after it was applied; add a new migration instead`,
        ExitCode.dataError,
      );
    }
  }

  const result: MigrateResult = { applied: [], alreadyApplied: 0 };
  for (const m of migrations) {
    if (applied.has(m.version)) {
      result.alreadyApplied++;
      continue;
    }
    const label = `${pad(m.version)}_${m.name}`;
    log.info({ migration: label, transactional: m.transactional }, "applying migration");
    const started = Date.now();
    try {
      if (m.transactional) await client.query("BEGIN");
      await client.query(m.sql);
      await client.query(
        "INSERT INTO schema_migrations (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)",
        [m.version, m.name, m.checksum, Date.now() - started],
      );
      if (m.transactional) await client.query("COMMIT");
    } catch (error) {
      if (m.transactional) await client.query("ROLLBACK").catch(() => {});
      throw explain(error, label);
    }
    result.applied.push({ version: m.version, name: m.name, ms: Date.now() - started });
  }
  return result;
}

/** Turns a pg error into a FatalError whose exit code says whether retrying can help. */
function explain(error: unknown, migration?: string): FatalError {
  if (error instanceof FatalError) return error;
  const where = migration ? `migration ${migration} failed: ` : "";
  const message = (error as Error).message;
  const state = sqlState(error);
  if (state === "55P03") {
    return new FatalError(
      `${where}${message}: a table it changes is in use; retry when traffic is lower, or raise MIGRATE_LOCK_TIMEOUT_MS`,
      ExitCode.tempFailure,
      { cause: error },
    );
  }
  if (state === "57014") {
    return new FatalError(`${where}${message} (MIGRATE_STATEMENT_TIMEOUT_MS)`, ExitCode.failure, {
      cause: error,
    });
  }
  if (isConnectionError(error)) {
    return new FatalError(`${where}lost the database: ${message}`, ExitCode.unavailable, { cause: error });
  }
  return new FatalError(`${where}${message}`, ExitCode.failure, { cause: error });
}

const pad = (version: number) => String(version).padStart(4, "0");
