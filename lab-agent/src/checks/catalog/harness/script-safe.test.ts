import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluateScript } from "./script-safe.ts";
import { composeFiles, HarnessParams, parseModel } from "./shared.ts";

const HERE = dirname(fileURLToPath(import.meta.url));
const SOLVED = readFileSync(join(HERE, "../../../../../exercises/h11-12/integration-test.sh"), "utf8");
const MODEL = parseModel(["compose.test.yml"], true, {
  code: 0,
  stdout: readFileSync(join(HERE, "fixtures/stack/solved.config.json"), "utf8"),
  stderr: "",
});
const P = HarnessParams.parse({});
const edit = (from: string | RegExp, to: string) => {
  const out = SOLVED.replace(from, to);
  if (out === SOLVED) throw new Error(`no ${from} in the solved script`);
  return out;
};

/** The seed's CI script, as given (with its diagnostics block): a trap, set -e, up --abort-on-container-exit. */
const SEED = `#!/usr/bin/env bash
set -euo pipefail
export BUILD_ID="\${BUILD_ID:-$(date +%s)}"
export APP_IMAGE="reg-case-platform:\${GIT_SHA:-local}"
cleanup() {
docker compose -f compose.yml -f compose.test.yml down -v --remove-orphans || true
}
trap cleanup EXIT
docker compose -f compose.yml -f compose.test.yml up \\
--abort-on-container-exit \\
--exit-code-from test-runner
`;

/** A GitLab-style job script: COMPOSE_PROJECT_NAME from the pipeline id, a variable for the files. */
const GITLAB = `#!/bin/bash
set -eu -o pipefail
export COMPOSE_PROJECT_NAME="reg-case-test-\${CI_PIPELINE_ID:-local}-\${BUILD_ID:-0}"
COMPOSE_FILE=compose.test.yml
export COMPOSE_FILE
function teardown {
  docker compose logs --no-color > compose.log || true
  docker compose down --volumes --remove-orphans
}
trap teardown EXIT INT TERM
docker compose up -d --wait case-api worker
docker compose run --rm --no-deps test-runner
`;

const variants: Array<{
  name: string;
  text: string;
  executable?: boolean;
  status: "pass" | "fail";
  summary: RegExp;
}> = [
  // right
  { name: "the solve", text: SOLVED, status: "pass", summary: /^set -e, a cleanup trap on EXIT/ },
  {
    name: "a GitLab-style job: COMPOSE_PROJECT_NAME, COMPOSE_FILE, function teardown, up --wait then run",
    text: GITLAB,
    status: "pass",
    summary: /^set -e/,
  },
  {
    name: "`set -o errexit -o nounset` and ${BUILD_ID:=…}",
    text: edit("set -euo pipefail", "set -o errexit -o nounset -o pipefail").replace(
      'export BUILD_ID="${BUILD_ID:-local-$(date +%s)-$$}"',
      ': "${BUILD_ID:=local-$$}"; export BUILD_ID',
    ),
    status: "pass",
    summary: /^set -e/,
  },
  {
    name: "an inline trap string with -p on both",
    text: `#!/usr/bin/env bash
set -e
p="reg-case-test-\${BUILD_ID:-dev}"
trap 'docker compose -p "$p" -f compose.test.yml down -v --remove-orphans' EXIT
docker compose -p "$p" -f compose.test.yml run --rm test-runner
`,
    status: "pass",
    summary: /^set -e/,
  },
  // wrong
  {
    name: "the seed's script: up --abort-on-container-exit --exit-code-from with a one-shot migrate",
    text: SEED,
    status: "fail",
    summary: /\(which --exit-code-from implies\) stops the whole stack as soon as migrate exits 0/,
  },
  { name: "no set -e", text: edit("set -euo pipefail\n", ""), status: "fail", summary: /without `set -e`/ },
  {
    name: "the trap on ERR only",
    text: edit("trap cleanup EXIT\n", "trap cleanup ERR\n"),
    status: "fail",
    summary: /its trap is on ERR, INT, TERM only, not EXIT/,
  },
  {
    name: "no trap: cleanup only as the last line",
    text: edit(/trap cleanup EXIT\ntrap 'exit 130' INT\ntrap 'exit 143' TERM\n/, ""),
    status: "fail",
    summary: /has no `trap`/,
  },
  {
    name: "down without -v",
    text: edit("down --volumes --remove-orphans", "down --remove-orphans"),
    status: "fail",
    summary: /without `-v`, so each run leaves its volumes/,
  },
  {
    name: "down without --remove-orphans",
    text: edit("down --volumes --remove-orphans", "down -v"),
    status: "fail",
    summary: /without `--remove-orphans`/,
  },
  {
    name: "a bare $BUILD_ID under set -u",
    text: edit('export BUILD_ID="${BUILD_ID:-local-$(date +%s)-$$}"\n', "").replace(
      'project="reg-case-test-${BUILD_ID}"',
      'project="reg-case-test-$BUILD_ID"',
    ),
    status: "fail",
    summary: /no fallback under `set -u`.*unbound variable/,
  },
  {
    name: "-p on run, not on down (down takes another project)",
    text: `#!/usr/bin/env bash
set -euo pipefail
export BUILD_ID="\${BUILD_ID:-local}"
trap 'docker compose -f compose.test.yml down -v --remove-orphans' EXIT
docker compose -p "ci-$BUILD_ID" -f compose.test.yml run --rm test-runner
`,
    status: "fail",
    summary: /runs `down` without it/,
  },
  {
    name: "up -d and no test run whose exit code counts",
    text: edit('"${compose[@]}" run --rm test-runner', '"${compose[@]}" up -d --wait'),
    status: "fail",
    summary: /nothing takes the tests' exit code/,
  },
  {
    name: "not executable",
    text: SOLVED,
    executable: false,
    status: "fail",
    summary: /not executable \(`chmod \+x scripts\/integration-test\.sh`\)/,
  },
];

describe("harness.script.safe", () => {
  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status !== "pass").length).toBeGreaterThanOrEqual(4);
  });
  for (const v of variants)
    it(v.name, () => {
      const r = evaluateScript(
        {
          path: "/workspace/reg-case-platform/scripts/integration-test.sh",
          text: v.text,
          executable: v.executable ?? true,
        },
        MODEL,
        P,
      );
      expect(r.status, r.summary).toBe(v.status);
      expect(r.summary).toMatch(v.summary);
    });
  it("no script: the fresh lab's evidence", () => {
    const r = evaluateScript({ path: "/workspace/x.sh", error: "no such file" }, MODEL, P);
    expect(r.status).toBe("fail");
    expect(JSON.stringify(r.evidence)).toContain("no such file");
  });
});

describe("the Compose files a script runs", () => {
  it.each([
    [SOLVED, ["compose.test.yml"]],
    [SEED, ["compose.yml", "compose.test.yml"]],
    [GITLAB, ["compose.test.yml"]],
    [
      'base=compose.yml\ntest=compose.test.yml\ndocker compose -f "$base" --file "$test" run --rm test-runner',
      ["compose.yml", "compose.test.yml"],
    ],
    ["docker compose --file=ci/compose.test.yaml run test-runner", ["ci/compose.test.yaml"]],
    ['docker compose -f "$1" run test-runner', undefined],
    ["docker compose run test-runner", undefined],
  ])("%#", (text, files) => {
    expect(composeFiles(text)).toEqual(files);
  });
});
