import pg from "pg";
import type { Logger } from "./logger.ts";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// Keep BIGINT (the cases' sequence) as a string: JavaScript numbers lose precision past 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export function createPool(options: {
  url: string;
  max: number;
  name: string;
  log: Logger;
  statementTimeoutMs?: number;
}): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    application_name: options.name,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
  });
  // An idle client can lose its connection (database restart); without a listener that crashes.
  pool.on("error", (error) => options.log.warn({ err: error }, "idle database connection lost"));
  return pool;
}

export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** PostgreSQL SQLSTATE of an error thrown by pg, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Errors meaning "the database is not reachable right now", as opposed to a bad query. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === "string" &&
    ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET"].includes(code)
  ) {
    return true;
  }
  const state = sqlState(error);
  if (state?.startsWith("08") || state === "57P03" || state === "28P01" || state === "3D000") return true;
  return /timeout exceeded when trying to connect|Connection terminated/i.test(
    String((error as Error)?.message),
  );
}
