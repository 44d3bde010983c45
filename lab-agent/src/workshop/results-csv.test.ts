import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../course/check-wire.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { JoinRequest, type WorkshopState } from "./event-schema.ts";
import { csvField, resultsCsv, resultsFileName, toCsv } from "./results-csv.ts";
import { joinEvent, newEvent, touchLearner } from "./roster.ts";
import { learnerFigures } from "./roster-view.ts";

const T0 = Date.parse("2026-12-02T09:00:00Z");

/** The fields as a spreadsheet reads them back: an RFC 4180 reader, small and strict. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  expect(field, "the file ends with CRLF").toBe("");
  return rows;
}

describe("csvField", () => {
  it.each<[string | number, string]>([
    ["Ana Lima", "Ana Lima"],
    ['Budi "B" Santoso', '"Budi ""B"" Santoso"'],
    ["Lima, Ana", '"Lima, Ana"'],
    ["two\nlines", '"two\nlines"'],
    ['=HYPERLINK("http://evil.test","x")', '"\'=HYPERLINK(""http://evil.test"",""x"")"'],
    ["+1+1", "'+1+1"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tcmd", "'\tcmd"],
    ["a=b", "a=b"],
    [42, "42"],
    [-1.5, "-1.5"],
  ])("%j is written as %j", (value, written) => {
    expect(csvField(value)).toBe(written);
  });
});

describe("the results CSV", () => {
  const state = (): WorkshopState => {
    let s: WorkshopState = { version: 1, event: newEvent({ seats: 5, code: "ROOM-42" }, T0), roster: [] };
    for (const [i, name] of ["Ana", "=cmd|' /C calc'!A0", "Lima, Budi"].entries()) {
      // Ids given, so the labs are known: ws-000000000001, …
      const id = String(i + 1).padStart(12, "0");
      s = joinEvent(s, JoinRequest.parse({ code: "ROOM-42", name }), `c-${name}`, T0, id).state;
    }
    return touchLearner(s, s.roster[0]?.id as string, "activity", T0 + 60_000);
  };

  it("has one CRLF line per learner in seat order, names quoted and defused, figures from progress.db", () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-results-"));
    const store = new ProgressStore(home);
    const result = (id: string, status: CheckResult["status"], at: string): CheckResult => ({
      id,
      check: "image.user.nonroot",
      block: "h03-04",
      status,
      summary: "s",
      evidence: [],
      durationMs: 1,
      waits: false,
      at,
    });
    const run = (results: CheckResult[]) =>
      store.saveRun(
        { lab: "ws-000000000001", block: "h03-04", startedAt: T0.toString(), durationMs: 1, results },
        "cli",
      );
    run([
      result("image-non-root", "fail", "2026-12-02T09:05:00Z"),
      result("image-labels", "pass", "2026-12-02T09:05:00Z"),
    ]);
    run([result("image-non-root", "pass", "2026-12-02T09:20:00Z")]);
    store.recordActivity("ws-000000000001", "h03-04", "terminal", T0);
    store.recordActivity("ws-000000000001", "h03-04", "terminal", T0 + 60_000);
    store.recordActivity("ws-000000000002", "h03-04", "page", T0);

    expect(learnerFigures(store, "ws-000000000001")).toEqual({
      checksPassed: 2,
      checksTried: 2,
      practiceMinutes: 1.5, // one minute between the ticks, and the credit a tick earns (practice-time.ts)
      lastProgressAt: "2026-12-02T09:20:00.000Z",
      lastActivityAt: "2026-12-02T09:01:00.000Z",
    });
    expect(learnerFigures(store, "ws-000000000009")).toEqual({
      checksPassed: 0,
      checksTried: 0,
      practiceMinutes: 0,
    });

    const s = state();
    const text = resultsCsv(s, store, T0 + 2 * 60_000);
    store.close();
    const rows = parseCsv(text);
    expect(rows[0]).toEqual([
      "seat",
      "name",
      "lab",
      "status",
      "joined_at",
      "last_activity_at",
      "checks_passed",
      "checks_tried",
      "practice_minutes",
    ]);
    expect(rows.slice(1)).toEqual([
      [
        "1",
        "Ana",
        "ws-000000000001",
        "active",
        "2026-12-02T09:00:00.000Z",
        "2026-12-02T09:01:00.000Z",
        "2",
        "2",
        "1.5",
      ],
      // Practice in the learner's lab (a page tick in progress.db) is activity on the roster too.
      [
        "2",
        "'=cmd|' /C calc'!A0",
        "ws-000000000002",
        "active",
        "2026-12-02T09:00:00.000Z",
        "2026-12-02T09:00:00.000Z",
        "0",
        "0",
        "0.5",
      ],
      ["3", "Lima, Budi", "ws-000000000003", "joined", "2026-12-02T09:00:00.000Z", "", "0", "0", "0"],
    ]);
    expect(resultsFileName(s)).toBe(`results-${s.event.id}.csv`);
  });

  it("is just the header for an event nobody joined", () => {
    expect(toCsv([])).toBe(
      "seat,name,lab,status,joined_at,last_activity_at,checks_passed,checks_tried,practice_minutes\r\n",
    );
  });
});
