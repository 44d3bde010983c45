import { randomUUID } from "node:crypto";
import { z } from "zod";
import { type Pool, type PoolClient, withTransaction } from "../db.ts";
import { HttpError } from "../errors.ts";
import { type CaseEvent, newCaseEvent } from "../events.ts";
import { CaseStatus, checkTransition } from "../lifecycle.ts";
import { decodeCursor, type PageQuery, toPage } from "../paging.ts";
import {
  type Case,
  findCase,
  insertCase,
  listAudit,
  listCases,
  Severity,
  toCase,
  updateStatus,
} from "./repository.ts";

export const ReportInput = z.strictObject({
  title: z.string().trim().min(3).max(200),
  description: z.string().trim().min(1).max(10_000),
  reporter: z.string().trim().min(1).max(200),
  severity: Severity.default("medium"),
});
export type ReportInput = z.infer<typeof ReportInput>;

export const TransitionInput = z.strictObject({
  to: CaseStatus,
  reason: z.string().trim().max(2_000).optional(),
  actor: z.string().trim().min(1).max(200).default("anonymous"),
});
export type TransitionInput = z.infer<typeof TransitionInput>;

export const CaseId = z.uuid();

export type CaseService = ReturnType<typeof createCaseService>;

/**
 * Case operations. Each change publishes its event before the database transaction commits:
 * if Redis refuses it, the change is rolled back and the client is told to retry, so no case
 * change goes unaudited.
 */
export function createCaseService(deps: { pool: Pool; publish: (event: CaseEvent) => Promise<void> }) {
  const publishOrRollBack = async (event: CaseEvent) => {
    try {
      await deps.publish(event);
    } catch {
      throw new HttpError(
        503,
        "unavailable",
        "the event bus is unavailable, so the change was not saved; retry later",
      );
    }
  };

  return {
    async submitReport(input: ReportInput): Promise<Case> {
      return withTransaction(deps.pool, async (client) => {
        const row = await insertCase(client, { id: randomUUID(), ...input });
        await publishOrRollBack(
          newCaseEvent({
            type: "case.opened",
            caseId: row.id,
            fromStatus: null,
            toStatus: row.status,
            actor: input.reporter,
            reason: null,
          }),
        );
        return toCase(row);
      });
    },

    async transition(id: string, input: TransitionInput): Promise<Case> {
      return withTransaction(deps.pool, async (client: PoolClient) => {
        const current = await findCase(client, id, { forUpdate: true });
        if (!current) throw new HttpError(404, "not_found", `case ${id} does not exist`);
        const check = checkTransition(current.status, input.to);
        if (!check.ok) {
          throw new HttpError(409, "illegal_transition", check.message, {
            from: current.status,
            to: input.to,
            allowed: check.allowed,
          });
        }
        const row = await updateStatus(client, id, input.to);
        await publishOrRollBack(
          newCaseEvent({
            type: "case.transitioned",
            caseId: id,
            fromStatus: current.status,
            toStatus: input.to,
            actor: input.actor,
            reason: input.reason ?? null,
          }),
        );
        return toCase(row);
      });
    },

    async get(id: string): Promise<Case> {
      const row = await findCase(deps.pool, id);
      if (!row) throw new HttpError(404, "not_found", `case ${id} does not exist`);
      return toCase(row);
    },

    async list(query: PageQuery): Promise<{ items: Case[]; nextCursor: string | null }> {
      let beforeSeq: string | undefined;
      if (query.cursor !== undefined) {
        const decoded = decodeCursor(query.cursor);
        if (!decoded.ok) throw new HttpError(400, "bad_request", "cursor is not one this API returned");
        beforeSeq = decoded.beforeSeq;
      }
      const rows = await listCases(deps.pool, { beforeSeq, status: query.status, limit: query.limit + 1 });
      const page = toPage(rows, query.limit, (row) => row.seq);
      return { items: page.items.map(toCase), nextCursor: page.nextCursor };
    },

    async audit(id: string) {
      await this.get(id);
      return { items: await listAudit(deps.pool, id) };
    },
  };
}
