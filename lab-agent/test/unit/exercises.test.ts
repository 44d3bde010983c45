import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DrydockError } from "../../src/common/errors.ts";
import { repoRoot } from "../../src/common/paths.ts";
import { listExerciseBlocks, loadAllExercises, loadExercise } from "../../src/exercises/load-exercises.ts";

function siteDeliverables(block: string): Array<{ id: string; checkedBy: string }> {
  const text = readFileSync(join(repoRoot, "site/src/content/docs/hours", `${block}.mdx`), "utf8");
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? "";
  return (parseYaml(front) as { deliverables?: Array<{ id: string; checkedBy: string }> }).deliverables ?? [];
}

function tempExercise(
  block: string,
  yaml: string,
  files: Record<string, string> = { "solve.sh": "true\n" },
): string {
  const dir = mkdtempSync(join(tmpdir(), "drydock-ex-"));
  mkdirSync(join(dir, block));
  writeFileSync(join(dir, block, "exercise.yaml"), yaml);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, block, name), text);
  return dir;
}

function loadError(dir: string, block: string): DrydockError {
  try {
    loadExercise(block, dir);
  } catch (err) {
    return err as DrydockError;
  }
  throw new Error("expected the exercise to be refused");
}

const VALID = `block: h03-04
title: Dockerfile mastery
hours: [3, 4]
rubricLevel: 3
deliverables:
  - id: image-non-root
    title: Non-root
    check: { id: image.user.nonroot, params: { image: "app:1" } }
    hint: Add a USER instruction.
    mistake: USER root left in the file.
`;

describe("exercises", () => {
  it("every exercise in the repository loads (a malformed one fails `npm test` here)", () => {
    const all = loadAllExercises();
    expect(all.map((e) => e.block)).toEqual(expect.arrayContaining(["h03-04", "h05-06", "h15-16", "h17"]));
    expect(listExerciseBlocks().length).toBe(all.length);
  });

  it("a block's page lists none of the deliverables its exercise checks (the page takes them from the YAML)", () => {
    for (const ex of loadAllExercises()) {
      const checked = new Set(ex.deliverables.map((d) => d.id));
      expect(
        siteDeliverables(ex.block).filter((d) => checked.has(d.id)),
        ex.block,
      ).toEqual([]);
    }
  });

  it("a valid file loads with defaults filled in", () => {
    const ex = loadExercise("h03-04", tempExercise("h03-04", VALID));
    expect(ex.deliverables[0]?.needs).toEqual([]);
    expect(ex.solve).toBe("solve.sh");
  });

  const cases: Array<[string, string, string, RegExp]> = [
    [
      "an unknown check id",
      VALID.replace("image.user.nonroot", "image.user.nobody"),
      "deliverables.0.check.id",
      /no check has this id/,
    ],
    [
      "a bad check parameter",
      VALID.replace('image: "app:1"', "image: 42"),
      "deliverables.0.check.params.image",
      /expected string/,
    ],
    [
      "an unknown parameter",
      VALID.replace('image: "app:1"', 'image: "app:1", user: root'),
      "deliverables.0.check.params",
      /Unrecognized key/,
    ],
    [
      "a need that does not exist",
      VALID.replace("    mistake:", "    needs: [image-healthcheck]\n    mistake:"),
      "deliverables.0.needs.0",
      /no deliverable image-healthcheck/,
    ],
    [
      "a missing hint",
      VALID.replace("    hint: Add a USER instruction.\n", ""),
      "deliverables.0.hint",
      /expected string/,
    ],
    [
      "a non-kebab id",
      VALID.replace("id: image-non-root", "id: Image_Non_Root"),
      "deliverables.0.id",
      /kebab-case/,
    ],
    [
      "an unknown field",
      VALID.replace("rubricLevel: 3", "rubricLevel: 3\nlevel: 9"),
      "(root)",
      /Unrecognized key/,
    ],
  ];
  for (const [what, yaml, path, reason] of cases) {
    it(`refuses ${what}, naming the file, the path and the reason`, () => {
      const dir = tempExercise("h03-04", yaml);
      const err = loadError(dir, "h03-04");
      expect(err).toBeInstanceOf(DrydockError);
      expect(err.code).toBe("bad-exercise");
      expect(err.message).toContain(join(dir, "h03-04", "exercise.yaml"));
      expect(err.message).toContain(`at ${path}:`);
      expect(err.message).toMatch(reason);
    });
  }

  it("refuses YAML that does not parse, a block that names another folder, and a missing solve script", () => {
    expect(loadError(tempExercise("h03-04", "block: [h03-04\n"), "h03-04").message).toContain("at (YAML)");
    expect(loadError(tempExercise("h05-06", VALID), "h05-06").message).toContain("at block: says h03-04");
    expect(loadError(tempExercise("h03-04", VALID, {}), "h03-04").message).toContain(
      "at solve: solve.sh does not exist",
    );
  });

  it("refuses a block that is not in the course", () => {
    expect(() => loadExercise("h99")).toThrow(/not a block of the course/);
  });
});
