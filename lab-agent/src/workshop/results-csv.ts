import type { DeliverableStats, PracticeTime } from "../progress/progress-store.ts";
import type { WorkshopState } from "./event-schema.ts";
import { learnerView } from "./roster.ts";

/**
 * Everyone's results at the end of a workshop, as a CSV a lead opens in a spreadsheet:
 * RFC 4180 (CRLF, fields with a comma, quote or line break quoted, quotes doubled), and no
 * learner-typed text that a spreadsheet would run as a formula.
 */

/** What the results read per learner lab from progress.db (ProgressStore has both). */
export interface ProgressSource {
  deliverableStats(lab: string): DeliverableStats[];
  practiceTime(lab: string): PracticeTime[];
  lastActivityMs(lab: string): number | undefined;
}

export interface LearnerFigures {
  checksPassed: number;
  /** Deliverables with at least one result. */
  checksTried: number;
  /** A minute at a terminal with the page in front counts once, as in progress-report.ts. */
  practiceMinutes: number;
  /** When a deliverable last passed for the first time: the roster's "progress". */
  lastProgressAt?: string;
  /** The last practice tick (terminal input, the block's page in front): the roster's "activity". */
  lastActivityAt?: string;
}

export function learnerFigures(source: ProgressSource, lab: string): LearnerFigures {
  const stats = source.deliverableStats(lab);
  const practiceMs = source.practiceTime(lab).reduce((n, p) => n + Math.max(p.terminalMs, p.pageMs), 0);
  const firstPasses = stats.flatMap((s) => (s.firstPassAt ? [s.firstPassAt] : [])).sort();
  const active = source.lastActivityMs(lab);
  return {
    checksPassed: stats.filter((s) => s.latest.status === "pass").length,
    checksTried: stats.length,
    practiceMinutes: Math.round(practiceMs / 6000) / 10,
    ...(firstPasses.length ? { lastProgressAt: new Date(firstPasses.at(-1) as string).toISOString() } : {}),
    ...(active !== undefined ? { lastActivityAt: new Date(active).toISOString() } : {}),
  };
}

/**
 * The roster with each learner's lab's records from progress.db merged in: practice in their lab
 * is activity, a deliverable that newly passed there is progress (so "stuck" clears), whichever
 * is later of that and what the roster itself recorded.
 */
export function withProgress(
  state: WorkshopState,
  source: ProgressSource,
): { state: WorkshopState; figures: Map<string, LearnerFigures> } {
  const figures = new Map(state.roster.map((r) => [r.id, learnerFigures(source, r.lab)]));
  const later = (a: string | undefined, b: string | undefined) =>
    a === undefined || (b !== undefined && Date.parse(b) > Date.parse(a)) ? b : a;
  const roster = state.roster.map((r) => {
    const f = figures.get(r.id);
    const lastActivityAt = later(r.lastActivityAt, f?.lastActivityAt);
    const lastProgressAt = later(r.lastProgressAt, f?.lastProgressAt);
    return {
      ...r,
      ...(lastActivityAt ? { lastActivityAt } : {}),
      ...(lastProgressAt ? { lastProgressAt } : {}),
    };
  });
  return { state: { ...state, roster }, figures };
}

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
