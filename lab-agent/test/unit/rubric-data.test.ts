import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DrydockError } from "../../src/common/errors.ts";
import { repoRoot } from "../../src/common/paths.ts";
import { BLOCKS, DRILL_IDS } from "../../src/course/course-outline.ts";
import { loadAllExercises } from "../../src/exercises/load-exercises.ts";
import { checkedItems } from "../../src/score/evidence-catalog.ts";
import { itemKey, loadPracticePlan, loadRubric, RUBRICS_DIR } from "../../src/score/rubric-schema.ts";

interface FrontDeliverable {
  id: string;
  checkedBy: string;
}

function frontmatter(file: string): { deliverables?: FrontDeliverable[]; drill?: string } {
  const text = readFileSync(file, "utf8");
  return parseYaml(/^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? "") ?? {};
}

const docs = join(repoRoot, "site/src/content/docs");
/** Deliverables no check judges yet, as the pages list them: `<block>/<id>` → checkedBy. */
const notChecked = new Map<string, string>();
for (const b of BLOCKS) {
  for (const d of frontmatter(join(docs, "hours", `${b.id}.mdx`)).deliverables ?? []) {
    notChecked.set(`${b.id}/${d.id}`, d.checkedBy);
  }
}
const drillPages = readdirSync(join(docs, "drills")).map((f) => frontmatter(join(docs, "drills", f)));

const rubric = loadRubric();
const checked = checkedItems(loadAllExercises());
const items = rubric.levels.flatMap((l) => l.evidence.map((item) => ({ level: l.level, item })));

describe("rubrics/maturity-rubric.yaml", () => {
  it("has the six levels of the course model, each with evidence", () => {
    expect(rubric.levels.map((l) => l.level)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each(
    items.filter(({ item }) => !("drill" in item)).map(({ level, item }) => [itemKey(item), level, item]),
  )("%s (level %i) exists: checked in exercises/ or listed as not checked yet on its page", (key) => {
    const inExercises = checked.has(key);
    const onPage = notChecked.has(key);
    expect(inExercises || onPage, `${key} is in neither exercises/ nor its page's frontmatter`).toBe(true);
    expect(inExercises && onPage, `${key} is in both`).toBe(false);
  });

  it("marks every item its page says a mentor judges as needing a mentor", () => {
    for (const { item } of items) {
      if (notChecked.get(itemKey(item)) === "mentor") expect(item.mentor, itemKey(item)).toBe(true);
    }
  });

  it("names every drill once, each with a drill page", () => {
    const drills = items.flatMap(({ item }) => ("drill" in item ? [item.drill] : []));
    expect([...drills].sort()).toEqual([...DRILL_IDS].sort());
    for (const d of drills) expect(drillPages.some((p) => p.drill === d)).toBe(true);
  });

  it("uses every checked deliverable of the exercises as evidence for some level", () => {
    const used = new Set(items.map(({ item }) => itemKey(item)));
    expect([...checked.keys()].filter((k) => !used.has(k))).toEqual([]);
  });

  it("says honestly which items the lab checks today", () => {
    // Level 3 is all checked; level 1's diagram and explanation also need a mentor.
    const byLevel = (n: number) =>
      items.filter((i) => i.level === n).map(({ item }) => checked.has(itemKey(item)));
    expect(byLevel(3).every((c) => c)).toBe(true);
  });

  it("refuses a file whose level disagrees with the course model, naming the path", () => {
    const dir = mkdtempSync(join(tmpdir(), "drydock-rubric-"));
    const text = readFileSync(join(RUBRICS_DIR, "maturity-rubric.yaml"), "utf8").replace(
      "name: Compose user",
      "name: Compose wizard",
    );
    writeFileSync(join(dir, "maturity-rubric.yaml"), text);
    const err = (() => {
      try {
        loadRubric(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DrydockError);
    expect((err as DrydockError).message).toMatch(/levels\.1: level 2 is 2 — Compose user/);
  });

  it("refuses the same evidence under two levels", () => {
    const dir = mkdtempSync(join(tmpdir(), "drydock-rubric-"));
    const text = readFileSync(join(RUBRICS_DIR, "maturity-rubric.yaml"), "utf8").replace(
      "deliverable: service-dns-works",
      "deliverable: no-accidental-ports",
    );
    writeFileSync(join(dir, "maturity-rubric.yaml"), text);
    expect(() => loadRubric(dir)).toThrow(/h07-08\/no-accidental-ports is already evidence for level 2/);
  });
});

describe("rubrics/practice-plan.yaml", () => {
  it("covers the course model's blocks, 20 hours in all", () => {
    const plan = loadPracticePlan();
    expect(plan.blocks.map((b) => b.block)).toEqual(BLOCKS.map((b) => b.id));
    expect(plan.blocks.flatMap((b) => b.hours)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
