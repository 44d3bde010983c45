import type { WorkshopState } from "./event-schema.ts";
import { learnerView } from "./roster.ts";
import { type LearnerFigures, type ProgressSource, withProgress } from "./roster-view.ts";

/**
 * Everyone's results at the end of a workshop, as a CSV a lead opens in a spreadsheet:
 * RFC 4180 (CRLF, fields with a comma, quote or line break quoted, quotes doubled), and no
 * learner-typed text that a spreadsheet would run as a formula.
 */

export const RESULT_COLUMNS = [
  "seat",
  "name",
  "lab",
  "status",
  "joined_at",
  "last_activity_at",
  "checks_passed",
  "checks_tried",
  "practice_minutes",
] as const;

export type ResultRow = Record<(typeof RESULT_COLUMNS)[number], string | number>;

export function resultRows(state: WorkshopState, source: ProgressSource, now: number): ResultRow[] {
  const merged = withProgress(state, source);
  return [...merged.state.roster]
    .sort((a, b) => a.seat - b.seat)
    .map((entry) => {
      const view = learnerView(entry, merged.state.event, now);
      const figures = merged.figures.get(entry.id) as LearnerFigures;
      return {
        seat: entry.seat,
        name: entry.name,
        lab: entry.lab,
        status: view.status,
        joined_at: entry.joinedAt,
        last_activity_at: entry.lastActivityAt ?? "",
        checks_passed: figures.checksPassed,
        checks_tried: figures.checksTried,
        practice_minutes: figures.practiceMinutes,
      };
    });
}

/**
 * A text a spreadsheet would read as a formula (= + - @, or a tab or CR that some strip before
 * looking) gets a leading apostrophe, OWASP's advice for CSV injection; numbers stay numbers.
 */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: ReadonlyArray<ResultRow>): string {
  const lines = [
    RESULT_COLUMNS.join(","),
    ...rows.map((r) => RESULT_COLUMNS.map((c) => csvField(r[c])).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

export function resultsCsv(state: WorkshopState, source: ProgressSource, now: number): string {
  return toCsv(resultRows(state, source, now));
}

/** `results-<event id>.csv`: the name the lead's download and `workshop stop` use. */
export function resultsFileName(state: WorkshopState): string {
  return `results-${state.event.id}.csv`;
}
