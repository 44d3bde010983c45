import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, maxPageSize, PageQuery, toPage } from "../../src/paging.ts";

describe("page query", () => {
  it("defaults the limit to 20", () => {
    expect(PageQuery.parse({})).toEqual({ limit: 20 });
  });

  it("reads limit, cursor and status from query-string text", () => {
    expect(PageQuery.parse({ limit: "5", cursor: "abc", status: "open" })).toEqual({
      limit: 5,
      cursor: "abc",
      status: "open",
    });
  });

  it.each([
    ["0", "limit must be at least 1"],
    [String(maxPageSize + 1), `limit must be at most ${maxPageSize}`],
    ["2.5", "limit must be a whole number"],
    ["many", "limit must be a number"],
  ])("rejects limit=%s", (limit, message) => {
    const result = PageQuery.safeParse({ limit });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });

  it("rejects an unknown status", () => {
    expect(PageQuery.safeParse({ status: "archived" }).success).toBe(false);
  });
});

describe("cursor", () => {
  it("round-trips a sequence number, including one beyond 2^53", () => {
    for (const seq of ["1", "42", "9007199254740993"]) {
      expect(decodeCursor(encodeCursor(seq))).toEqual({ ok: true, beforeSeq: seq });
    }
  });

  it("is opaque: it does not show the raw sequence number", () => {
    expect(encodeCursor("42")).not.toContain("42");
  });

  it("rejects cursors it did not make", () => {
    for (const bad of [
      "",
      "42",
      "not-base64!",
      Buffer.from("v2:42").toString("base64url"),
      encodeCursor("-1"),
    ]) {
      expect(decodeCursor(bad)).toEqual({ ok: false });
    }
  });
});

describe("toPage", () => {
  const rows = [{ seq: "9" }, { seq: "8" }, { seq: "7" }];
  const seqOf = (r: { seq: string }) => r.seq;

  it("uses the extra row only to know there is a next page", () => {
    const page = toPage(rows, 2, seqOf);
    expect(page.items).toEqual([{ seq: "9" }, { seq: "8" }]);
    expect(page.nextCursor && decodeCursor(page.nextCursor)).toEqual({ ok: true, beforeSeq: "8" });
  });

  it("has no next page when the rows fit", () => {
    expect(toPage(rows, 3, seqOf)).toEqual({ items: rows, nextCursor: null });
    expect(toPage([], 3, seqOf)).toEqual({ items: [], nextCursor: null });
  });
});
