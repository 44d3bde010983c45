import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DrydockError } from "../../src/common/errors.ts";
import { repoRoot } from "../../src/common/paths.ts";
import {
  EXERCISES_DIR,
  EXERCISES_LIB,
  exerciseFiles,
  listExerciseBlocks,
  loadAllExercises,
  loadExercise,
} from "../../src/exercises/load-exercises.ts";

function siteDeliverables(block: string): Array<{ id: string; checkedBy: string }> {
  const text = readFileSync(join(repoRoot, "site/src/content/docs/hours", `${block}.mdx`), "utf8");
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? "";
  return (parseYaml(front) as { deliverables?: Array<{ id: string; checkedBy: string }> }).deliverables ?? [];
}

function tempExercise(block: string, yaml: string, files: Record<string, string> = FILES): string {
  const dir = mkdtempSync(join(tmpdir(), "drydock-ex-"));
  mkdirSync(join(dir, block));
  writeFileSync(join(dir, block, "exercise.yaml"), yaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, block, name)), { recursive: true });
    writeFileSync(join(dir, block, name), text);
  }
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
    fresh: "404"
mistakes:
  - id: user-root
    deliverable: image-non-root
    what: USER root left in the file.
    script: mistakes/user-root.sh
    expect: { summary: "runs as root", evidence: 'Config\\.User="root"' }
`;
const FILES = { "solve.sh": "true\n", "mistakes/user-root.sh": "true\n" };

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

  it("parses a file once while it is unchanged, and again once it changes", () => {
    const dir = tempExercise("h03-04", VALID);
    const first = loadExercise("h03-04", dir);
    expect(loadExercise("h03-04", dir).deliverables).toBe(first.deliverables);
    const file = join(dir, "h03-04", "exercise.yaml");
    writeFileSync(file, VALID.replace("title: Non-root", "title: Not root, now"));
    expect(loadExercise("h03-04", dir).deliverables[0]?.title).toBe("Not root, now");
    // A file that goes bad is refused again, not served from before.
    writeFileSync(file, VALID.replace("image.user.nonroot", "image.user.nobody"));
    expect(loadError(dir, "h03-04").message).toMatch(/no check has this id/);
    // The files it names are looked for on every load.
    writeFileSync(file, VALID);
    rmSync(join(dir, "h03-04", "solve.sh"));
    expect(loadError(dir, "h03-04").message).toMatch(/solve\.sh does not exist/);
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
      VALID.replace("    fresh:", "    needs: [image-healthcheck]\n    fresh:"),
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
    [
      "a deliverable without fresh evidence",
      VALID.replace('    fresh: "404"\n', ""),
      "deliverables.0.fresh",
      /expected string/,
    ],
    [
      "a fresh pattern that is not a regular expression",
      VALID.replace('fresh: "404"', 'fresh: "40(4"'),
      "deliverables.0.fresh",
      /not a valid regular expression/,
    ],
    [
      "the old per-deliverable mistake text",
      VALID.replace('    fresh: "404"', '    fresh: "404"\n    mistake: USER root left in the file.'),
      "deliverables.0",
      /Unrecognized key/,
    ],
    ["no mistakes", VALID.slice(0, VALID.indexOf("mistakes:")), "mistakes", /expected array/],
    [
      "a mistake for a deliverable that does not exist",
      VALID.replace("deliverable: image-non-root", "deliverable: image-healthcheck"),
      "mistakes.0.deliverable",
      /no deliverable image-healthcheck/,
    ],
    [
      "a deliverable that no mistake makes fail",
      VALID.replace(
        "mistakes:",
        `  - id: image-healthcheck
    title: Healthcheck
    check: { id: image.healthcheck, params: { image: "app:1" } }
    hint: Add a HEALTHCHECK instruction.
    fresh: "404"
mistakes:`,
      ),
      "deliverables.1.id",
      /no mistake makes image-healthcheck fail/,
    ],
    [
      "a duplicate mistake id",
      `${VALID}  - id: user-root
    deliverable: image-non-root
    what: USER 0 left in the file.
    script: mistakes/user-root.sh
    expect: { summary: "root", evidence: "root" }
`,
      "mistakes.1.id",
      /duplicate id user-root/,
    ],
    [
      "a mistake script outside the exercise folder",
      VALID.replace("script: mistakes/user-root.sh", "script: ../h05-06/solve.sh"),
      "mistakes.0.script",
      /(relative to the exercise folder|inside the exercise folder)/,
    ],
    [
      "an expectation that is not a regular expression",
      VALID.replace('summary: "runs as root"', 'summary: "runs as (root"'),
      "mistakes.0.expect.summary",
      /not a valid regular expression/,
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
    expect(loadError(tempExercise("h03-04", VALID, { "solve.sh": "true\n" }), "h03-04").message).toContain(
      "at mistakes.0.script: mistakes/user-root.sh does not exist",
    );
  });

  it("every mistake of the repository's exercises names a script that exists, and solve copies it", () => {
    for (const ex of loadAllExercises()) {
      for (const m of ex.mistakes) {
        expect(exerciseFiles(ex), `${ex.block} ${m.id}`).toContain(m.script);
        expect(existsSync(join(ex.dir, m.script)), `${ex.block} ${m.id}`).toBe(true);
      }
    }
  });

  it("every file a solve or mistake script sources is one solve copies, at the same place beside it", () => {
    // What solve puts under /workspace/.drydock: each block's exercise files, and exercises/lib.
    const copied = new Set<string>();
    const walk = (path: string) => {
      if (statSync(path).isDirectory()) for (const f of readdirSync(path)) walk(join(path, f));
      else copied.add(relative(EXERCISES_DIR, path));
    };
    for (const ex of loadAllExercises()) for (const f of exerciseFiles(ex)) walk(join(ex.dir, f));
    walk(join(EXERCISES_DIR, EXERCISES_LIB));
    expect(copied).toContain(`${EXERCISES_LIB}/mistakes.sh`);
    const sources: string[] = [];
    for (const file of [...copied].filter((f) => f.endsWith(".sh"))) {
      const text = readFileSync(join(EXERCISES_DIR, file), "utf8");
      // `$here` counts as the script's folder only where the script itself sets it so.
      const here = /^here="\$\(cd "\$\(dirname "\$0"\)" && pwd\)"$/m.test(text) ? "|\\$here" : "";
      const re = new RegExp(
        `^\\s*source "(?:\\$\\(dirname "\\$0"\\)|\\$\\(dirname "\\$\\{BASH_SOURCE\\[0\\]\\}"\\)${here})/([^"]+)"`,
        "gm",
      );
      for (const m of text.matchAll(re)) {
        const target = relative(EXERCISES_DIR, resolve(EXERCISES_DIR, dirname(file), m[1] ?? ""));
        sources.push(`${file} → ${target}`);
        expect(copied, `${file} sources ${m[1]}`).toContain(target);
      }
    }
    expect(sources).toContain("h05-06/mistakes/no-restart.sh → lib/mistakes.sh");
    expect(sources).toContain("h07-08/solve.sh → lib/mistakes.sh");
  });

  it("refuses a block that is not in the course", () => {
    expect(() => loadExercise("h99")).toThrow(/not a block of the course/);
  });
});
