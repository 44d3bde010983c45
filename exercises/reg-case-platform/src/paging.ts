import { z } from "zod";
import { CaseStatus } from "./lifecycle.ts";

export const maxPageSize = 100;

export const PageQuery = z.object({
  limit: z.coerce
    .number({ error: "limit must be a number" })
    .int("limit must be a whole number")
    .min(1, "limit must be at least 1")
    .max(maxPageSize, `limit must be at most ${maxPageSize}`)
    .default(20),
  cursor: z.string().min(1).optional(),
  status: CaseStatus.optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

/**
 * Keyset paging on the cases' insertion sequence, newest first. Unlike OFFSET, a page stays
 * correct while new cases arrive, and costs the same on page 1 and page 1000. The cursor is
 * opaque to clients so the key can change without breaking them.
 */
export function encodeCursor(seq: string): string {
  return Buffer.from(`v1:${seq}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): { ok: true; beforeSeq: string } | { ok: false } {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^v1:(\d{1,19})$/.exec(text);
  return match?.[1] ? { ok: true, beforeSeq: match[1] } : { ok: false };
}

/** Turns `limit + 1` rows into a page: the extra row only says whether there is a next page. */
export function toPage<T>(
  rows: readonly T[],
  limit: number,
  seqOf: (row: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(seqOf(last)) : null };
}
