import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { createDatabase, query, runApp, scratchDir } from "../support/app.ts";

const migrationsDir = () => join(inject("runtimeDir"), "migrations");

/** A copy of the real migrations plus extra files, readable by the app's uid. */
function migrationsWith(extra: Record<string, string>): string {
  const dir = scratchDir("migrations");
  cpSync(migrationsDir(), dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe("migrate", () => {
  it("applies every migration, records them, and is a no-op the second time", async () => {
    const url = await createDatabase();
    const first = await runApp("migrate", { DATABASE_URL: url });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const done = first.logs.find((l) => l.msg === "migrations applied");
    expect(done?.appliedCount).toBe(4);

    const versions = await query<{ version: number; name: string; checksum: string }>(
      url,
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
    );
    expect(versions.map((v) => `${v.version}_${v.name}`)).toEqual([
      "1_create_cases",
      "2_create_case_audit",
      "3_add_case_severity",
      "4_index_cases_status",
    ]);
    expect(versions.every((v) => /^[0-9a-f]{64}$/.test(v.checksum))).toBe(true);
    // The CONCURRENTLY index (a no-transaction migration) exists and is valid.
    const index = await query<{ valid: boolean }>(
      url,
      "SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'cases_status_seq_idx'",
    );
    expect(index).toEqual([{ valid: true }]);

    const second = await runApp("migrate", { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.logs.find((l) => l.msg === "database is up to date; nothing to apply")).toMatchObject({
      appliedCount: 0,
      alreadyApplied: 4,
    });
    const after = await query(url, "SELECT applied_at FROM schema_migrations");
    expect(after).toHaveLength(4);
  });

  it("lets only one of two concurrent runs apply; the other waits, then finds nothing to do", async () => {
    const url = await createDatabase();
    // A slow migration guarantees the two runs overlap.
    const dir = migrationsWith({ "0005_slow.sql": "SELECT pg_sleep(1.5);\n" });
    const env = { DATABASE_URL: url, MIGRATIONS_DIR: dir };
    const [a, b] = await Promise.all([runApp("migrate", env), runApp("migrate", env)]);
    expect([a.code, b.code]).toEqual([0, 0]);

    const counts = [a, b].map((r) => r.logs.find((l) => "appliedCount" in l)?.appliedCount).sort();
    expect(counts).toEqual([0, 5]);
    const waiter = [a, b].find((r) => r.logs.some((l) => l.appliedCount === 0));
    expect(
      waiter?.logs.some((l) => l.msg === "another migrate run holds the migration lock; waiting for it"),
    ).toBe(true);
    expect(await query(url, "SELECT version FROM schema_migrations")).toHaveLength(5);
  });

  it("gives up waiting for the lock after MIGRATE_LOCK_TIMEOUT_MS with exit code 75", async () => {
    const url = await createDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('reg-case-platform.migrate'))");
      const started = Date.now();
      const run = await runApp("migrate", { DATABASE_URL: url, MIGRATE_LOCK_TIMEOUT_MS: "1000" });
      expect(run.code).toBe(75);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(run.stderr).toContain("another migrate run holds the migration lock; gave up after 1000 ms");
      expect(await query(url, "SELECT to_regclass('cases') AS t")).toEqual([{ t: null }]);
    } finally {
      await holder.end();
    }
  });

  it("stops a statement that runs past MIGRATE_STATEMENT_TIMEOUT_MS and records nothing for it", async () => {
    const url = await createDatabase();
    const dir = migrationsWith({ "0005_too_slow.sql": "SELECT pg_sleep(5);\n" });
    const run = await runApp("migrate", {
      DATABASE_URL: url,
      MIGRATIONS_DIR: dir,
      MIGRATE_STATEMENT_TIMEOUT_MS: "500",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "migration 0005_too_slow failed: canceling statement due to statement timeout",
    );
    const versions = await query<{ version: number }>(
      url,
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4]);
  });

  it("refuses to go on when an applied migration was edited (exit 65)", async () => {
    const url = await createDatabase();
    expect((await runApp("migrate", { DATABASE_URL: url })).code).toBe(0);
    const dir = migrationsWith({
      "0003_add_case_severity.sql": "ALTER TABLE cases ADD COLUMN severity text;\n",
    });
    const run = await runApp("migrate", { DATABASE_URL: url, MIGRATIONS_DIR: dir });
    expect(run.code).toBe(65);
    expect(run.stderr).toContain("migration 0003_add_case_severity was changed after it was applied");
  });

  it("keeps the previous release working: its INSERT without the new column still succeeds", async () => {
    const url = await createDatabase();
    expect((await runApp("migrate", { DATABASE_URL: url })).code).toBe(0);
    // The statement a release from before migration 0003 would send.
    await query(
      url,
      "INSERT INTO cases (id, title, description, reporter) VALUES ('00000000-0000-4000-8000-0000000000aa', 'Old', 'From the old release', 'old-api')",
    );
    expect(await query(url, "SELECT status, severity FROM cases")).toEqual([
      { status: "open", severity: null },
    ]);
  });

  it("exits 69 with a clear message when the database is unreachable", async () => {
    const run = await runApp("migrate", { DATABASE_URL: "postgres://case:pw@127.0.0.1:1/case" });
    expect(run.code).toBe(69);
    expect(run.stderr).toMatch(/cannot connect to the database: .*ECONNREFUSED/);
  });
});
