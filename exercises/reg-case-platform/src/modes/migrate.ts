import type { MigrateConfig } from "../config.ts";
import { type ExitCode as Code, ExitCode } from "../errors.ts";
import { type Logger, safeUrl } from "../logger.ts";
import { loadMigrations } from "../migrate/files.ts";
import { runMigrations } from "../migrate/runner.ts";

export async function runMigrate(config: MigrateConfig, log: Logger): Promise<Code> {
  const migrations = await loadMigrations(config.migrations.dir);
  log.info(
    { database: safeUrl(config.database.url), dir: config.migrations.dir, known: migrations.length },
    "migrating",
  );
  const result = await runMigrations({
    url: config.database.url,
    migrations,
    lockTimeoutMs: config.migrations.lockTimeoutMs,
    statementTimeoutMs: config.migrations.statementTimeoutMs,
    log,
  });
  log.info(
    { applied: result.applied, appliedCount: result.applied.length, alreadyApplied: result.alreadyApplied },
    result.applied.length > 0 ? "migrations applied" : "database is up to date; nothing to apply",
  );
  return ExitCode.ok;
}
