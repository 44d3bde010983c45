import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, FatalError } from "../errors.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
  /** Statements such as CREATE INDEX CONCURRENTLY refuse to run inside a transaction. */
  transactional: boolean;
}

const fileName = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const noTransactionMarker = /^--\s*migrate:no-transaction\s*$/m;

/** Loads `NNNN_name.sql` files in version order; other files (a README, say) are ignored. */
export async function loadMigrations(dir: string): Promise<Migration[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new FatalError(
      `cannot read the migrations folder ${dir} (${(error as NodeJS.ErrnoException).code}); set MIGRATIONS_DIR`,
      ExitCode.config,
    );
  }
  const migrations: Migration[] = [];
  for (const name of names.sort()) {
    const match = fileName.exec(name);
    if (!match?.[1] || !match[2]) continue;
    const sql = await readFile(join(dir, name), "utf8");
    migrations.push({
      version: Number(match[1]),
      name: match[2],
      sql,
      checksum: createHash("sha256").update(sql).digest("hex"),
      transactional: !noTransactionMarker.test(sql),
    });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]?.version === migrations[i - 1]?.version) {
      throw new FatalError(
        `two migrations share version ${migrations[i]?.version} in ${dir}`,
        ExitCode.dataError,
      );
    }
  }
  return migrations;
}
