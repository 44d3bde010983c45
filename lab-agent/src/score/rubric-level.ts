import type { CheckStatus } from "../course/check-wire.ts";
import { itemKey, type Rubric, type RubricItem } from "./rubric-schema.ts";

/**
 * The learner's maturity level, computed from the rubric data, what the lab can check today, the
 * latest results and the mentor's sign-offs. Pure: no store, no lab.
 *
 * An item is proven when its check's latest result passes (and, if it needs a mentor, the mentor
 * signed it off), or, with no check, when a mentor signed it off. An item with no check and no
 * mentor is "not checked yet": it is never counted as passing.
 *
 * `level` is strict: every item of levels 1..N is proven. `provisionalLevel` counts what can be
 * judged today: levels 1..N have no item that fails or was never run, and level N has at least one
 * proven item; items not checked yet and pending sign-offs are listed, not assumed.
 */
export type ItemState =
  | "passed"
  | "signed-off"
  | "awaiting-mentor"
  | "failing"
  | "not-run"
  | "not-checked-yet";

export interface ItemReport {
  key: string;
  item: RubricItem;
  state: ItemState;
  /** The latest result's status, when there is one. */
  status?: CheckStatus;
}

export type LevelStatus = "reached" | "provisional" | "unjudged" | "open";

export interface LevelReport {
  level: number;
  name: string;
  status: LevelStatus;
  items: ItemReport[];
  /** The items not proven yet, in rubric order. */
  missing: ItemReport[];
}

export interface LevelInput {
  rubric: Rubric;
  /** Keys (`<block>/<deliverable>`) the lab has a check for. */
  checked: ReadonlySet<string> | ReadonlyMap<string, unknown>;
  /** The latest status per key. */
  latest: ReadonlyMap<string, CheckStatus>;
  /** Keys a mentor signed off. */
  signedOff?: ReadonlySet<string>;
}

export interface LevelResult {
  level: number;
  provisionalLevel: number;
  levels: LevelReport[];
  /** The first level not reached, with what it misses. */
  next?: LevelReport;
}

const PROVEN: ReadonlySet<ItemState> = new Set(["passed", "signed-off"]);
const BLOCKING: ReadonlySet<ItemState> = new Set(["failing", "not-run"]);

export function itemState(
  item: RubricItem,
  input: Pick<LevelInput, "checked" | "latest" | "signedOff">,
): ItemReport {
  const key = itemKey(item);
  const signed = input.signedOff?.has(key) ?? false;
  if (!input.checked.has(key)) {
    if (!item.mentor) return { key, item, state: "not-checked-yet" };
    return { key, item, state: signed ? "signed-off" : "awaiting-mentor" };
  }
  const status = input.latest.get(key);
  if (status === undefined) return { key, item, state: "not-run" };
  if (status !== "pass") return { key, item, state: "failing", status };
  if (item.mentor && !signed) return { key, item, state: "awaiting-mentor", status };
  return { key, item, state: "passed", status };
}

export function levelStatus(items: readonly ItemReport[]): LevelStatus {
  if (items.every((i) => PROVEN.has(i.state))) return "reached";
  if (items.some((i) => BLOCKING.has(i.state))) return "open";
  return items.some((i) => PROVEN.has(i.state)) ? "provisional" : "unjudged";
}

export function computeLevel(input: LevelInput): LevelResult {
  const levels: LevelReport[] = input.rubric.levels.map((l) => {
    const items = l.evidence.map((item) => itemState(item, input));
    return {
      level: l.level,
      name: l.name,
      status: levelStatus(items),
      items,
      missing: items.filter((i) => !PROVEN.has(i.state)),
    };
  });
  let level = 0;
  for (const l of levels) {
    if (l.status !== "reached") break;
    level = l.level;
  }
  let provisionalLevel = 0;
  for (const l of levels) {
    if (l.status === "open") break;
    if (l.status !== "unjudged") provisionalLevel = l.level;
  }
  const next = levels.find((l) => l.status !== "reached");
  return { level, provisionalLevel, levels, ...(next ? { next } : {}) };
}

const STATE_TEXT: Record<ItemState, string> = {
  passed: "passes",
  "signed-off": "signed off by a mentor",
  "awaiting-mentor": "needs a mentor's sign-off",
  failing: "does not pass",
  "not-run": "not checked in the lab yet (run `drydock check`)",
  "not-checked-yet": "not checked yet (Drydock has no check for it)",
};

export function describeItem(r: ItemReport): string {
  const what = "drill" in r.item ? `drill ${r.item.drill}` : r.key;
  const status = r.state === "failing" && r.status ? ` (${r.status})` : "";
  return `${what}: ${STATE_TEXT[r.state]}${status}`;
}
