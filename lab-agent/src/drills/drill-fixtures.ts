import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type DrillFacts,
  DrillRun,
  type SnapService,
  type SwarmSnapshot,
  TimelineEvent,
} from "./drill-types.ts";

/** Recorded drills (fixtures/<drill>/: run.json, timeline.jsonl, the service's inspect) for the unit tables. */
const dir = join(import.meta.dirname, "fixtures");

export function recorded(drill: string, serviceFile = "case-api.inspect.json"): DrillFacts {
  const base = join(dir, drill);
  const run = DrillRun.parse(JSON.parse(readFileSync(join(base, "run.json"), "utf8")));
  const timeline = readFileSync(join(base, "timeline.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => TimelineEvent.parse(JSON.parse(l)));
  const services = JSON.parse(readFileSync(join(base, serviceFile), "utf8")) as SnapService[];
  const nodes = JSON.parse(readFileSync(join(dir, "nodes.inspect.json"), "utf8")) as SwarmSnapshot["nodes"];
  return { run, timeline, snapshot: { services, tasks: [], nodes, secrets: [] } };
}

/** A deep copy to edit for one variant. */
export const copy = <T>(x: T): T => structuredClone(x);
