import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { DRILL_IDS } from "../course/course-outline.ts";
import { DrillRun, TimelineEvent } from "./drill-types.ts";

/**
 * A drill's state lives in DRYDOCK_HOME/drills/<lab>/: `<drill>.json` (the run: phase, what it did,
 * what `stop` must undo, the verdict) and `<drill>.timeline.jsonl`. Written before every step that
 * needs undoing, so `stop` restores the lab even after the agent or the CLI was killed mid-drill.
 */
export function drillDir(home: string, lab: string): string {
  return join(home, "drills", lab);
}

const runFile = (home: string, lab: string, drill: string) => join(drillDir(home, lab), `${drill}.json`);
const timelineFile = (home: string, lab: string, drill: string) =>
  join(drillDir(home, lab), `${drill}.timeline.jsonl`);

export function saveRun(home: string, run: DrillRun): void {
  const dir = drillDir(home, run.lab);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = runFile(home, run.lab, run.drill);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(run, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function loadRun(home: string, lab: string, drill: string): DrillRun | undefined {
  const file = runFile(home, lab, drill);
  if (!existsSync(file)) return undefined;
  return DrillRun.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** Every drill run of the lab (the latest of each drill). */
export function loadRuns(home: string, lab: string): DrillRun[] {
  const dir = drillDir(home, lab);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && (DRILL_IDS as readonly string[]).includes(f.slice(0, -5)))
    .flatMap((f) => {
      try {
        return [DrillRun.parse(JSON.parse(readFileSync(join(dir, f), "utf8")))];
      } catch {
        return [];
      }
    });
}

/** A drill that still has something in the lab to restore. */
export function activeRun(home: string, lab: string): DrillRun | undefined {
  return loadRuns(home, lab).find((r) => r.phase === "active" || r.phase === "broken");
}

export function startTimeline(home: string, lab: string, drill: string): void {
  mkdirSync(drillDir(home, lab), { recursive: true, mode: 0o700 });
  writeFileSync(timelineFile(home, lab, drill), "", { mode: 0o600 });
}

export function appendTimeline(home: string, lab: string, drill: string, events: TimelineEvent[]): void {
  if (events.length === 0) return;
  appendFileSync(timelineFile(home, lab, drill), events.map((e) => `${JSON.stringify(e)}\n`).join(""));
}

export function readTimeline(home: string, lab: string, drill: string): TimelineEvent[] {
  const file = timelineFile(home, lab, drill);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .flatMap((line) => {
      const parsed = TimelineEvent.safeParse(JSON.parse(line));
      return parsed.success ? [parsed.data] : [];
    });
}
