import type { CheckStatus } from "../course/check-wire.ts";
import { BLOCKS, DRILL_IDS } from "../course/course-outline.ts";
import { type BlockProgress, type DeliverableProgress, ProgressReport } from "../course/score-wire.ts";
import type { DrillRun } from "../drills/drill-types.ts";
import type { LoadedExercise } from "../exercises/load-exercises.ts";
import type { DeliverableStats, PracticeTime } from "../progress/progress-store.ts";
import { checkedItems } from "./evidence-catalog.ts";
import { computeLevel, describeItem, type LevelResult } from "./rubric-level.ts";
import type { Rubric } from "./rubric-schema.ts";

/** The progress report types live in the course model (score-wire.ts), shared with the site. */
export type { BlockProgress, DeliverableProgress, ProgressReport };

/**
 * A learner's progress in one lab, as `drydock progress --json` prints it and the progress page
 * reads it: per block its checked deliverables with their latest verdict, age, attempts and first
 * pass, practice minutes against the plan's hours, and the rubric level.
 */
export interface ProgressInput {
  lab: string;
  now: number;
  exercises: readonly LoadedExercise[];
  stats: readonly DeliverableStats[];
  practice: readonly PracticeTime[];
  rubric: Rubric;
  signedOff?: ReadonlySet<string>;
  /**
   * The drills Drydock can run and verify, and each one's last run in this lab
   * (DRYDOCK_HOME/drills/<lab>/): their rubric items are checked like deliverables.
   */
  drills?: {
    implemented: ReadonlySet<string>;
    runs: ReadonlyArray<Pick<DrillRun, "drill" | "verdict" | "startedAt">>;
  };
}

const minutes = (ms: number) => Math.round(ms / 6000) / 10;

export function progressReport(input: ProgressInput): { report: ProgressReport; level: LevelResult } {
  const stats = new Map(input.stats.map((s) => [`${s.block}/${s.deliverable}`, s]));
  const blocks = BLOCKS.map((b): BlockProgress => {
    const ex = input.exercises.find((e) => e.block === b.id);
    const time = input.practice.find((p) => p.block === b.id);
    const deliverables = (ex?.deliverables ?? []).map((d): DeliverableProgress => {
      const s = stats.get(`${b.id}/${d.id}`);
      if (!s) return { id: d.id, title: d.title, attempts: 0 };
      return {
        id: d.id,
        title: d.title,
        status: s.latest.status,
        at: s.latest.at,
        ageSeconds: Math.max(0, Math.floor((input.now - Date.parse(s.latest.at)) / 1000)),
        attempts: s.attempts,
        ...(s.firstPassAt ? { firstPassAt: s.firstPassAt } : {}),
        summary: s.latest.summary,
        evidence: s.latest.evidence,
      };
    });
    return {
      block: b.id,
      title: b.title,
      plannedMinutes: b.hours.length * 60,
      terminalMinutes: minutes(time?.terminalMs ?? 0),
      pageMinutes: minutes(time?.pageMs ?? 0),
      checked: deliverables.length > 0,
      finished: deliverables.length > 0 && deliverables.every((d) => d.status === "pass"),
      deliverables,
    };
  });
  const latest = new Map<string, CheckStatus>();
  for (const [key, s] of stats) latest.set(key, s.latest.status);
  const checked = new Set<string>(checkedItems(input.exercises).keys());
  const implemented = input.drills?.implemented ?? new Set<string>();
  const lastRun = new Map((input.drills?.runs ?? []).map((r) => [r.drill, r]));
  for (const drill of implemented) {
    checked.add(`drill/${drill}`);
    const verdict = lastRun.get(drill)?.verdict;
    // A run still blocked or in progress (verdict none), or waiting for the learner's part
    // (pending), has proved nothing yet: not run.
    if (verdict && verdict !== "none" && verdict !== "pending") latest.set(`drill/${drill}`, verdict);
  }
  const level = computeLevel({
    rubric: input.rubric,
    checked,
    latest,
    ...(input.signedOff ? { signedOff: input.signedOff } : {}),
  });
  const report: ProgressReport = {
    lab: input.lab,
    at: new Date(input.now).toISOString(),
    level: level.level,
    provisionalLevel: level.provisionalLevel,
    ...(level.next
      ? {
          nextLevel: {
            level: level.next.level,
            name: level.next.name,
            missing: level.next.missing.map(describeItem),
          },
        }
      : {}),
    // Active time: a minute at a terminal with the page in front is counted once, as the larger.
    practiceMinutes:
      Math.round(blocks.reduce((n, b) => n + Math.max(b.terminalMinutes, b.pageMinutes), 0) * 10) / 10,
    plannedMinutes: blocks.reduce((n, b) => n + b.plannedMinutes, 0),
    blocks,
    drills: DRILL_IDS.map((drill) => {
      if (!implemented.has(drill)) return { drill, state: "not-checked-yet" as const };
      const run = lastRun.get(drill);
      const status = latest.get(`drill/${drill}`);
      if (!run || status === undefined) return { drill, state: "not-run" as const };
      return { drill, state: status === "pass" ? ("done" as const) : ("failed" as const), at: run.startedAt };
    }),
  };
  return { report: ProgressReport.parse(report), level };
}
