import type { DrillFacts, DrillItem, SnapTask, TimelineEvent } from "./drill-types.ts";
import { serviceNamed } from "./timeline.ts";

export const item = (
  id: string,
  title: string,
  status: DrillItem["status"],
  summary: string,
  evidence: string[] = [],
): DrillItem => ({ id, title, status, summary, evidence });

export const pass = (id: string, title: string, summary: string, evidence: string[] = []) =>
  item(id, title, "pass", summary, evidence);
export const fail = (id: string, title: string, summary: string, evidence: string[] = []) =>
  item(id, title, "fail", summary, evidence);
export const cantTell = (id: string, title: string, because: string, evidence: string[] = []) =>
  item(id, title, "error", `Can't tell, because ${because}`, evidence);

export const ms = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/** A timeline line as evidence text. */
export function line(e: TimelineEvent): string {
  const who = [e.service, e.task ? `task ${e.task.slice(0, 12)}` : "", e.node ? `on ${e.node}` : ""]
    .filter(Boolean)
    .join(" ");
  const what = [
    e.action,
    e.state,
    e.desired && e.desired !== e.state ? `(desired ${e.desired})` : "",
    e.exitCode !== undefined ? `exit ${e.exitCode}` : "",
    e.message,
  ]
    .filter(Boolean)
    .join(" ");
  return `${e.at} ${e.kind} ${who}: ${what}`.replace(/\s+/g, " ").trim();
}

export const after = (events: TimelineEvent[], iso: string | null) =>
  events.filter((e) => ms(e.at) >= ms(iso) - 1000);

/** Where a service update stops moving: done, rolled back, or paused (either way). */
export const UPDATE_ENDED = ["completed", "paused", "rollback_completed", "rollback_paused"];

/** The update a drill injected was recorded and has ended (the drill may verify). */
export function updateSettled(f: DrillFacts, service: string): boolean {
  const state = serviceNamed(f.snapshot, service)?.UpdateStatus?.State ?? "";
  const moved = after(f.timeline, f.run.injectedAt).some((e) => e.kind === "update" && e.service === service);
  return moved && UPDATE_ENDED.includes(state);
}

export const taskEvents = (events: TimelineEvent[], task: string) =>
  events.filter((e) => e.kind === "task" && e.task === task);

export const isRunning = (t: SnapTask) => t.DesiredState === "running" && t.Status?.State === "running";

/** Nanoseconds (the Engine API's durations) as seconds. */
export const secs = (ns: number | undefined) => (ns ? ns / 1e9 : 0);
