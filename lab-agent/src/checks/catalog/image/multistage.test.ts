import { describe, expect, it } from "vitest";
import { evaluateMultiStage } from "./multistage.ts";
import { build, fixture, historyOf, reference } from "./test-support.ts";

const RUNTIME_FILES = [
  "migrations",
  "docker",
  "entrypoint.sh",
  "docker-entrypoint.sh",
  "LICENSE",
  "public",
  "static",
  "config",
];
const df = (name: string) => fixture("dockerfile.multistage", `${name}.Dockerfile`);

/** [what it models, Dockerfile fixture, the stage the image was built from (undefined: no image yet), status, summary]. */
const VARIANTS: Array<[string, string, string | number | undefined, "pass" | "fail" | "error", RegExp]> = [
  // right
  [
    "the reference: build and runtime stages, artifacts copied --from=build",
    "reference",
    "runtime",
    "pass",
    /2 stages/,
  ],
  [
    "docker init's base/deps/build/final layout, final FROM base",
    "docker-init",
    "final",
    "pass",
    /4 stages.*stage "final"/,
  ],
  [
    "bases from global ARGs, JSON-array COPY, --chown/--link",
    "arg-bases",
    "runtime",
    "pass",
    /from node:20-slim/,
  ],
  [
    "an unnamed build stage copied by index onto a distroless base",
    "scratch-runtime",
    1,
    "pass",
    /copies 1 artifact/,
  ],
  [
    "a test stage after the runtime, image built with --target runtime",
    "target-build",
    "runtime",
    "pass",
    /stage "runtime"/,
  ],
  ["no image yet: the last stage is judged", "docker-init", undefined, "pass", /stage "final"/],
  // wrong
  ["one stage does everything", "single-stage", 0, "fail", /1 stage/],
  [
    "runtime stage also copies the whole build context (COPY . .)",
    "copies-source-too",
    1,
    "fail",
    /copies sources.*whole build context/,
  ],
  [
    "runtime stage copies src/ that the build stage compiles",
    "copies-src-dir",
    "runtime",
    "fail",
    /copies sources.*src/,
  ],
  ["runtime starts FROM the build stage", "from-build-stage", "runtime", "fail", /starts FROM "build"/],
  [
    "runtime starts FROM $BASE, an ARG naming the build stage",
    "arg-from-build",
    "runtime",
    "fail",
    /starts FROM "build"/,
  ],
  [
    "runtime copies the build stage's whole folder (/src/.)",
    "copies-whole-workdir",
    "runtime",
    "fail",
    /whole folder/,
  ],
  ["runtime stage compiles the app itself", "builds-in-runtime", "runtime", "fail", /builds at line/],
  [
    "a good file, but the image was built with --target build",
    "target-build",
    "build",
    "fail",
    /stage "build".*copies nothing from an earlier stage/,
  ],
  [
    "a good file, but the image is the test stage (--target test, FROM build)",
    "target-build",
    "test",
    "fail",
    /starts FROM "build"/,
  ],
  // can't tell
  [
    "runtime FROM an ARG without default",
    "unresolved-arg",
    undefined,
    "error",
    /Can't tell.*ARG with no default/,
  ],
];

describe("dockerfile.multistage", () => {
  it.each(VARIANTS)("%s", (_what, name, stage, status, summary) => {
    const text = df(name);
    const result = evaluateMultiStage(
      build(text, stage === undefined ? undefined : historyOf(text, stage)),
      RUNTIME_FILES,
    );
    expect(result.summary).toMatch(summary);
    expect(result.status).toBe(status);
  });

  it("judges the recorded lab image of the reference by its real BuildKit history", () => {
    const r = evaluateMultiStage(
      build(
        df("reference"),
        reference().history.map((h) => h.CreatedBy),
      ),
      RUNTIME_FILES,
    );
    expect(r.status).toBe("pass");
    expect(JSON.stringify(r.evidence)).toContain('stage \\"runtime\\"');
  });

  it("says it can't tell when the image was built from another Dockerfile", () => {
    const r = evaluateMultiStage(
      build(
        df("single-stage"),
        reference().history.map((h) => h.CreatedBy),
      ),
      RUNTIME_FILES,
    );
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/Can't tell which stage.*matches none/);
  });

  it("fails when there is no Dockerfile", () => {
    const r = evaluateMultiStage(
      {
        dockerfile: { found: false, path: "/workspace/reg-case-platform/Dockerfile", reason: "no such file" },
        image: { ref: "x" },
        context: [],
      },
      RUNTIME_FILES,
    );
    expect(r.status).toBe("fail");
  });
});
