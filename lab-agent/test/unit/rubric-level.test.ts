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

  // Mentor items pass their checks but await a sign-off, so the strict level stays 0 and the
  // provisional one counts them; drills are not checked yet and never count as passing.
  const basics = ["h01-02", "h07-08", "h09-10"];
  it.each<[string, string[], number, number | undefined]>([
    ["nothing solved", [], 0, 1],
    ["the basics solved (hours 1-2, 7-10)", basics, 2, 1],
    ["then Dockerfile mastery", [...basics, "h03-04"], 3, 1],
    ["then runtime lifecycle and hardening", [...basics, "h03-04", "h05-06", "h18"], 4, 1],
    [
      "then CI, supply chain, Swarm, rollout and incidents",
      [...basics, "h03-04", "h05-06", "h18", "h11-12", "h13-14", "h15-16", "h17", "h19"],
      5,
      1,
    ],
    ["Swarm without the runtime block: level 4 is open", [...basics, "h03-04", "h15-16", "h17"], 3, 1],
    ["Dockerfile mastery without the basics: level 1 is open", ["h03-04"], 0, 1],
  ])(
    "%s → provisional level %i; the strict level stays 0 until a mentor signs off",
    (_n, blocks, provisional, next) => {
      const result = computeLevel({ rubric, checked, latest: passing(...blocks) });
      expect(result.provisionalLevel).toBe(provisional);
      expect(result.level).toBe(0);
      expect(result.next?.level).toBe(next);
    },
  );

  it("names what is missing, and never counts an unchecked item as passing", () => {
    const result = computeLevel({ rubric, checked, latest: passing(...basics, "h03-04", "h05-06") });
    const four = result.levels[3];
    expect(four?.status).toBe("open");
    expect(four?.missing.find((m) => m.key === "h18/no-docker-socket")?.state).toBe("not-run");
    const one = result.levels[0];
    expect(one?.status).toBe("provisional");
    expect(one?.missing.map((m) => m.state)).toEqual(["awaiting-mentor", "awaiting-mentor"]);
    const five = result.levels[4];
    expect(
      five?.items.filter((i) => i.key.startsWith("drill/")).every((i) => i.state === "not-checked-yet"),
    ).toBe(true);
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
      checked: true,
      finished: false,
    });
    expect(report.practiceMinutes).toBe(45);
    expect(report.plannedMinutes).toBe(1200);
    expect(report.drills.every((d) => d.state === "not-checked-yet")).toBe(true);
    expect(report.provisionalLevel).toBe(0);
    // Drills Drydock runs are checked items: their last run in DRYDOCK_HOME/drills/<lab>/ decides.
    const withDrills = (runs: Array<{ drill: string; verdict: "pass" | "fail" | "error" | "none" }>) =>
      progressReport({
        lab: "default",
        now: Date.parse("2026-12-01T12:00:00Z"),
        exercises,
        stats: [],
        practice: [],
        rubric: loadRubric(),
        drills: {
          implemented: new Set(["container-crash", "node-drain", "bad-image-rollout"]),
          runs: runs.map((r) => ({ ...r, startedAt: "2026-12-01T11:30:00Z" })),
        },
      });
    const states = (r: ReturnType<typeof withDrills>) =>
      Object.fromEntries(r.report.drills.map((d) => [d.drill, d.state]));
    const itemsOf = (r: ReturnType<typeof withDrills>) =>
      new Map(r.level.levels.flatMap((l) => l.items).map((i) => [i.key, i.state]));
    const none = withDrills([]);
    expect(states(none)).toEqual({
      "container-crash": "not-run",
      "bad-image-rollout": "not-run",
      "node-drain": "not-run",
      "secret-rotation": "not-checked-yet",
      "resource-pressure": "not-checked-yet",
      "registry-outage": "not-checked-yet",
    });
    // Not run yet blocks its level (like a deliverable never checked); not implemented does not.
    expect(itemsOf(none).get("drill/node-drain")).toBe("not-run");
    expect(itemsOf(none).get("drill/registry-outage")).toBe("not-checked-yet");
    const some = withDrills([
      { drill: "node-drain", verdict: "pass" },
      { drill: "container-crash", verdict: "fail" },
      { drill: "bad-image-rollout", verdict: "none" },
      { drill: "registry-outage", verdict: "pass" },
    ]);
    expect(states(some)).toMatchObject({
      "node-drain": "done",
      "container-crash": "failed",
      "bad-image-rollout": "not-run",
      // A run file for a drill Drydock does not verify proves nothing.
      "registry-outage": "not-checked-yet",
    });
    expect(some.report.drills.find((d) => d.drill === "node-drain")?.at).toBe("2026-12-01T11:30:00Z");
    expect(itemsOf(some).get("drill/node-drain")).toBe("passed");
    expect(itemsOf(some).get("drill/container-crash")).toBe("failing");
    expect(itemsOf(some).get("drill/registry-outage")).toBe("not-checked-yet");
    expect(some.report.nextLevel?.missing.join("\n") ?? "").not.toMatch(/node-drain/);
  });
});
