import type { DeliverableStats, PracticeTime } from "../progress/progress-store.ts";
import type { LabRecord, WorkshopEvent, WorkshopState } from "./event-schema.ts";
import { eventOver, learnerView } from "./roster.ts";

/**
 * The roster as the lead reads it (GET /api/workshop/roster, `drydock workshop status`): each
 * learner's state with their lab's checks and practice from progress.db.
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

/** The figures besides lastProgressAt, which the learner's view already has (merged). */
export function counts(figures: LearnerFigures | undefined) {
  return {
    checksPassed: figures?.checksPassed ?? 0,
    checksTried: figures?.checksTried ?? 0,
    practiceMinutes: figures?.practiceMinutes ?? 0,
  };
}

/** What a learner may know of the event: its time, not its code or roster. */
export function eventTime(event: WorkshopEvent, now: number) {
  return {
    until: event.until,
    endedAt: event.endedAt ?? null,
    over: eventOver(event, now),
    minutesLeft: Math.max(0, Math.floor((Date.parse(event.until) - now) / 60_000)),
  };
}

export function rosterView(state: WorkshopState, store: ProgressSource, now: number) {
  const { event } = state;
  const merged = withProgress(state, store);
  const labs = state.labs ?? [];
  const learners = [...merged.state.roster]
    .sort((a, b) => a.seat - b.seat)
    .map((r) => ({
      ...learnerView(r, event, now),
      ...counts(merged.figures.get(r.id)),
      labState: labView(labs.find((l) => l.lab === r.lab)),
    }));
  const labCounts = { provisioning: 0, ready: 0, failed: 0, removed: 0 };
  for (const l of labs) labCounts[l.state]++;
  const byStatus = { joined: 0, idle: 0, active: 0, stuck: 0 };
  for (const l of learners) byStatus[l.status]++;
  return {
    event: {
      id: event.id,
      code: event.code,
      seats: event.seats,
      taken: state.roster.length,
      startedAt: event.startedAt,
      warm: event.warm,
      supervised: event.supervised,
      reapGraceMinutes: event.reapGraceMinutes,
      stuckAfterMinutes: event.stuckAfterMinutes,
      idleAfterMinutes: event.idleAfterMinutes,
      ...eventTime(event, now),
    },
    counts: byStatus,
    learners,
    /** Every lab of the event (warm ones too), by state; `warm`: started, no learner yet. */
    labs: { ...labCounts, warm: labs.filter((l) => !l.learner && l.state !== "removed").length },
  };
}

/** A learner's lab as the lead sees it: its state, and why it failed with the log tail. */
function labView(record: LabRecord | undefined) {
  if (!record) return null;
  return {
    state: record.state,
    since: record.since,
    attempts: record.attempts,
    error: record.error ?? null,
    logTail: record.logTail ?? null,
    removedBecause: record.removedBecause ?? null,
  };
}
export type RosterView = ReturnType<typeof rosterView>;
