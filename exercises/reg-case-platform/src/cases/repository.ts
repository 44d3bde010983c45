import { z } from "zod";
import type { Pool, PoolClient } from "../db.ts";
import { CaseStatus } from "../lifecycle.ts";

type Queryable = Pool | PoolClient;

export const Severity = z.enum(["low", "medium", "high"]);

const CaseRow = z.object({
  id: z.string(),
  seq: z.string(),
  title: z.string(),
  description: z.string(),
  reporter: z.string(),
  // Null for cases created before migration 0003 added the column.
  severity: Severity.nullable(),
  status: CaseStatus,
  created_at: z.date(),
  updated_at: z.date(),
});
type CaseRow = z.infer<typeof CaseRow>;

/** A case as the API shows it. */
export function toCase(row: CaseRow) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    reporter: row.reporter,
    severity: row.severity,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
export type Case = ReturnType<typeof toCase>;

const caseColumns = "id, seq, title, description, reporter, severity, status, created_at, updated_at";

export async function insertCase(
  db: Queryable,
  c: { id: string; title: string; description: string; reporter: string; severity: z.infer<typeof Severity> },
): Promise<CaseRow> {
  const result = await db.query(
    `INSERT INTO cases (id, title, description, reporter, severity, status)
     VALUES ($1, $2, $3, $4, $5, 'open')
     RETURNING ${caseColumns}`,
    [c.id, c.title, c.description, c.reporter, c.severity],
  );
  return CaseRow.parse(result.rows[0]);
}

export async function findCase(db: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  // FOR UPDATE holds the row until the transaction ends, so two concurrent transitions of one
  // case are applied one after the other, each checked against the status the other left.
  const result = await db.query(
    `SELECT ${caseColumns} FROM cases WHERE id = $1${options.forUpdate ? " FOR UPDATE" : ""}`,
    [id],
  );
  return result.rows[0] ? CaseRow.parse(result.rows[0]) : undefined;
}

export async function updateStatus(db: Queryable, id: string, status: CaseStatus): Promise<CaseRow> {
  const result = await db.query(
    `UPDATE cases SET status = $2, updated_at = now() WHERE id = $1 RETURNING ${caseColumns}`,
    [id, status],
  );
  return CaseRow.parse(result.rows[0]);
}

export async function listCases(
  db: Queryable,
  query: { beforeSeq?: string; status?: CaseStatus; limit: number },
): Promise<CaseRow[]> {
  const result = await db.query(
    `SELECT ${caseColumns} FROM cases
     WHERE ($1::bigint IS NULL OR seq < $1::bigint) AND ($2::text IS NULL OR status = $2)
     ORDER BY seq DESC
     LIMIT $3`,
    [query.beforeSeq ?? null, query.status ?? null, query.limit],
  );
  return z.array(CaseRow).parse(result.rows);
}

const AuditRow = z.object({
  event_id: z.string(),
  event_type: z.string(),
  from_status: CaseStatus.nullable(),
  to_status: CaseStatus,
  actor: z.string(),
  reason: z.string().nullable(),
  occurred_at: z.date(),
  recorded_at: z.date(),
});

export async function listAudit(db: Queryable, caseId: string) {
  const result = await db.query(
    `SELECT event_id, event_type, from_status, to_status, actor, reason, occurred_at, recorded_at
     FROM case_audit WHERE case_id = $1 ORDER BY occurred_at, recorded_at`,
    [caseId],
  );
  return z
    .array(AuditRow)
    .parse(result.rows)
    .map((r) => ({
      eventId: r.event_id,
      type: r.event_type,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      actor: r.actor,
      reason: r.reason,
      occurredAt: r.occurred_at.toISOString(),
      recordedAt: r.recorded_at.toISOString(),
    }));
}
