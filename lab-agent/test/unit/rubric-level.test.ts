import { describe, expect, it } from "vitest";
import type { CheckStatus } from "../../src/course/check-wire.ts";
import { loadAllExercises } from "../../src/exercises/load-exercises.ts";
import { checkedItems } from "../../src/score/evidence-catalog.ts";
import { computeLevel, describeItem, type ItemState, itemState } from "../../src/score/rubric-level.ts";
import { loadRubric, type RubricItem } from "../../src/score/rubric-schema.ts";

const d = (block: string, deliverable: string, mentor = false): RubricItem =>
  ({ block, deliverable, mentor }) as RubricItem;

describe("itemState", () => {
  const checked = new Set(["h03-04/a", "h03-04/m"]);
  it.each<[string, RubricItem, CheckStatus | undefined, boolean, ItemState]>([
    ["a checked item whose latest result passes", d("h03-04", "a"), "pass", false, "passed"],
    ["a checked item that fails", d("h03-04", "a"), "fail", false, "failing"],
    ["a checked item whose check could not read the lab", d("h03-04", "a"), "error", false, "failing"],
    ["a checked item skipped for a missing prerequisite", d("h03-04", "a"), "skipped", false, "failing"],
    ["a checked item never run", d("h03-04", "a"), undefined, false, "not-run"],
    [
      "a passing item that also needs a mentor, not signed",
      d("h03-04", "m", true),
      "pass",
      false,
      "awaiting-mentor",
    ],
    ["a passing item that needs a mentor, signed off", d("h03-04", "m", true), "pass", true, "passed"],
    ["a failing item a mentor signed off still fails", d("h03-04", "m", true), "fail", true, "failing"],
    ["an item with no check and no mentor", d("h07-08", "x"), undefined, false, "not-checked-yet"],
    [
      "an item with no check, even with a stray pass stored",
      d("h07-08", "x"),
      "pass",
      false,
      "not-checked-yet",
    ],
    ["a mentor-only item awaiting sign-off", d("h20", "teach", true), undefined, false, "awaiting-mentor"],
    ["a mentor-only item signed off", d("h20", "teach", true), undefined, true, "signed-off"],
    [
      "a drill (no drill checks yet)",
      { drill: "node-drain", mentor: false },
      undefined,
      false,
      "not-checked-yet",
    ],
  ])("%s", (_name, item, status, signed, state) => {
    const key = "drill" in item ? `drill/${item.drill}` : `${item.block}/${item.deliverable}`;
    const latest = new Map(status ? [[key, status]] : []);
    const report = itemState(item, { checked, latest, signedOff: new Set(signed ? [key] : []) });
    expect(report.state).toBe(state);
    expect(describeItem(report)).toMatch(/: /);
  });
});

describe("computeLevel on the course's rubric", () => {
  const rubric = loadRubric();
  const exercises = loadAllExercises();
  const checked = checkedItems(exercises);
  const passing = (...blocks: string[]) =>
    new Map<string, CheckStatus>(
      exercises
        .filter((e) => blocks.includes(e.block))
        .flatMap((e) => e.deliverables.map((x) => [`${e.block}/${x.id}`, "pass"] as const)),
    );

  it.each<[string, string[], number, number | undefined]>([
    ["nothing solved", [], 0, 1],
    ["Dockerfile mastery solved", ["h03-04"], 3, 1],
    ["then runtime lifecycle", ["h03-04", "h05-06"], 4, 1],
    ["then Swarm and rollout", ["h03-04", "h05-06", "h15-16", "h17"], 5, 1],
    ["Swarm without the runtime block: level 4 is open", ["h03-04", "h15-16", "h17"], 3, 1],
    ["runtime without the image block: level 3 is open", ["h05-06"], 0, 1],
  ])(
    "%s → provisional level %i; the strict level stays 0 while levels 1-2 are not checked yet",
    (_n, blocks, provisional, next) => {
      const result = computeLevel({ rubric, checked, latest: passing(...blocks) });
      expect(result.provisionalLevel).toBe(provisional);
      expect(result.level).toBe(0);
      expect(result.next?.level).toBe(next);
    },
  );

  it("names what is missing, and never counts an unchecked item as passing", () => {
    const result = computeLevel({ rubric, checked, latest: passing("h03-04", "h05-06") });
    const four = result.levels[3];
    expect(four?.status).toBe("provisional");
    expect(four?.missing.map((m) => m.key)).toContain("h07-08/backup-restore-tested");
    expect(four?.missing.every((m) => m.state === "not-checked-yet")).toBe(true);
    const one = result.levels[0];
    expect(one?.status).toBe("unjudged");
    expect(one?.missing.map((m) => m.state)).toEqual([
      "not-checked-yet",
      "awaiting-mentor",
      "awaiting-mentor",
    ]);
  });

  it("a failing deliverable makes its level open and names it", () => {
    const latest = passing("h03-04");
    latest.set("h03-04/image-non-root", "fail");
    const result = computeLevel({ rubric, checked, latest });
    expect(result.provisionalLevel).toBe(0);
    expect(result.levels[2]?.status).toBe("open");
    expect(result.levels[2]?.missing.map(describeItem)).toEqual([
      "h03-04/image-non-root: does not pass (fail)",
    ]);
  });
});

describe("computeLevel on a rubric whose evidence is all judged", () => {
  const rubric = loadRubric();
  const all = rubric.levels.flatMap((l) =>
    l.evidence.map((i) => ("drill" in i ? `drill/${i.drill}` : `${i.block}/${i.deliverable}`)),
  );
  const mentorKeys = rubric.levels.flatMap((l) =>
    l.evidence
      .filter((i) => i.mentor)
      .map((i) => ("drill" in i ? `drill/${i.drill}` : `${i.block}/${i.deliverable}`)),
  );
  const checked = new Set(all);
  it.each<[string, number, number]>([
    ["levels 1-2 proven, mentor signed", 2, 2],
    ["levels 1-4 proven", 4, 4],
    ["all six", 6, 6],
  ])("%s → level %i", (_n, upTo, expected) => {
    const keys = rubric.levels.filter((l) => l.level <= upTo).flatMap((l) => l.evidence);
    const latest = new Map<string, CheckStatus>(
      keys.map((i) => ["drill" in i ? `drill/${i.drill}` : `${i.block}/${i.deliverable}`, "pass"]),
    );
    const result = computeLevel({ rubric, checked, latest, signedOff: new Set(mentorKeys) });
    expect(result.level).toBe(expected);
    expect(result.provisionalLevel).toBe(expected);
    if (expected < 6) expect(result.next?.level).toBe(expected + 1);
    else expect(result.next).toBeUndefined();
  });

  it("without the mentor's sign-off, level 1 is only provisional", () => {
    const latest = new Map<string, CheckStatus>(all.map((k) => [k, "pass"]));
    const result = computeLevel({ rubric, checked, latest });
    expect(result.level).toBe(0);
    expect(result.provisionalLevel).toBe(6);
    expect(result.next?.missing.every((m) => m.state === "awaiting-mentor")).toBe(true);
  });
});

describe("progress report", () => {
  it("reports per block the latest verdict, attempts, first pass and practice, and the level", async () => {
    const { progressReport } = await import("../../src/score/progress-report.ts");
    const exercises = loadAllExercises();
    const ex = exercises.find((e) => e.block === "h03-04");
    const first = ex?.deliverables[0];
    if (!ex || !first) throw new Error("no h03-04 exercise");
    const latest = {
      id: first.id,
      check: first.check.id,
      block: "h03-04",
      status: "pass" as const,
      summary: "ok",
      evidence: [],
      durationMs: 1,
      waits: false,
      at: "2026-12-01T11:00:00Z",
    };
    const { report } = progressReport({
      lab: "default",
      now: Date.parse("2026-12-01T12:00:00Z"),
      exercises,
      stats: [
        { block: "h03-04", deliverable: first.id, attempts: 3, firstPassAt: "2026-12-01T10:30:00Z", latest },
      ],
      practice: [{ block: "h03-04", terminalMs: 30 * 60_000, pageMs: 45 * 60_000 }],
      rubric: loadRubric(),
    });
    const block = report.blocks.find((b) => b.block === "h03-04");
    expect(block).toMatchObject({
      checked: true,
      finished: false,
      plannedMinutes: 120,
      terminalMinutes: 30,
      pageMinutes: 45,
    });
    expect(block?.deliverables[0]).toMatchObject({
      status: "pass",
      ageSeconds: 3600,
      attempts: 3,
      firstPassAt: "2026-12-01T10:30:00Z",
    });
    expect(block?.deliverables[1]).toMatchObject({ attempts: 0 });
    expect(block?.deliverables[1]).not.toHaveProperty("status");
    expect(report.blocks.find((b) => b.block === "h07-08")).toMatchObject({
      checked: false,
      finished: false,
    });
    expect(report.practiceMinutes).toBe(45);
    expect(report.plannedMinutes).toBe(1200);
    expect(report.drills.every((d) => d.state === "not-checked-yet")).toBe(true);
    expect(report.provisionalLevel).toBe(0);
  });
});
