import type { Pool } from "../db.ts";
import type { CaseEvent } from "../events.ts";

/**
 * Writes one audit row. The event id is the primary key, so a redelivered event (the worker
 * crashed after writing but before acknowledging, say) is not written twice.
 * Returns false when the event was already recorded.
 */
export async function recordAudit(pool: Pool, event: CaseEvent, streamId: string): Promise<boolean> {
  const result = await pool.query(
    `INSERT INTO case_audit (event_id, case_id, event_type, from_status, to_status, actor, reason, occurred_at, stream_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (event_id) DO NOTHING`,
    [
      event.eventId,
      event.caseId,
      event.type,
      event.fromStatus,
      event.toStatus,
      event.actor,
      event.reason,
      event.occurredAt,
      streamId,
    ],
  );
  return result.rowCount === 1;
}
