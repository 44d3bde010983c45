import { describe, expect, it } from "vitest";
import type { CheckOutcome } from "../../check-result.ts";
import { evaluateCleanup, evaluateDiagnostics, evaluateIsolated, evaluateResult } from "./run-checks.ts";
import {
  diagnosticsIn,
  RunParams as Params,
  type RunParams,
  type RunProbe,
  type ScriptRun,
} from "./run-probe.ts";

/** Facts shaped on runs recorded in a lab (Compose 2.26, the reference script and its mistakes). */
const P: RunParams = Params.parse({});
const PASS = "test-integration: PASS 7 passed, 0 failed of 7 in 5.9 s against http://case-api:8080";
const FAIL = "test-integration: FAIL 2 passed, 5 failed of 7 in 5.7 s against http://case-api:8080";
const run = (buildId: string, o: Partial<ScriptRun> = {}): ScriptRun => ({
  buildId,
  image: buildId.endsWith("a") ? P.image : "drydock-check/broken-app:74791b",
  code: 0,
  timedOut: false,
  seconds: 40.2,
  aborted: false,
  tail: "",
  ...o,
});
const A = "drydock-74791b-a";
const B = "drydock-74791b-b";
const facts = (
  o: Partial<RunProbe> = {},
  good: Partial<ScriptRun> = {},
  broken: Partial<ScriptRun> = {},
): RunProbe => ({
  script: {
    path: "/workspace/reg-case-platform/scripts/integration-test.sh",
    text: "#!/bin/bash",
    executable: true,
  },
  good: run(A, { summary: PASS, ...good }),
  broken: run(B, { code: 1, summary: FAIL, tail: "integration tests failed: diagnostics in …", ...broken }),
  projects: [`reg-case-test-${A}`, `reg-case-test-${B}`],
  leftovers: [],
  diagnostics: {
    files: [`diagnostics/${B}/ps.txt`, `diagnostics/${B}/logs.txt`, `diagnostics/${B}/events.jsonl`],
    ps: true,
    logs: true,
    events: true,
  },
  ...o,
});
const leftover = (name: string, kind: "container" | "volume" | "network" = "container") => ({
  kind,
  name,
  project: name.replace(/-(postgres|case-api|worker|migrate|redis)-1$|_pgdata$|_app-net$/, ""),
});

type Variant = { name: string; f: RunProbe; status: "pass" | "fail" | "error"; summary: RegExp };
const notRun: Variant[] = [
  {
    name: "no script (fresh lab)",
    f: facts({
      script: { path: "/workspace/reg-case-platform/scripts/integration-test.sh", error: "no such file" },
      good: undefined,
      broken: undefined,
    }),
    status: "fail",
    summary: /^There is no test script/,
  },
  {
    name: "script not executable (chmod +x missing)",
    f: facts({
      script: { path: "/workspace/x.sh", text: "#!/bin/bash", executable: false },
      good: undefined,
      broken: undefined,
    }),
    status: "fail",
    summary: /not executable.*Permission denied/,
  },
  {
    name: "no image to test",
    f: facts({ imageMissing: true, good: undefined, broken: undefined }),
    status: "error",
    summary: /^Can't tell, because there is no image/,
  },
];

const tables: Array<[string, (f: RunProbe, p: RunParams) => CheckOutcome, Variant[]]> = [
  [
    "harness.run.result",
    evaluateResult,
    [
      {
        name: "the solve: 0 on a pass, 1 on the broken copy",
        f: facts(),
        status: "pass",
        summary: /^Exit 0 with the tests passing.*exit 1 with them failing/,
      },
      {
        name: "the broken copy exits 2 (a wrapper's own code)",
        f: facts({}, {}, { code: 2 }),
        status: "pass",
        summary: /exit 2 with them failing/,
      },
      {
        name: "the broken copy fails slower (a retry in the runner)",
        f: facts({}, { seconds: 80 }, { seconds: 120 }),
        status: "pass",
        summary: /^Exit 0/,
      },
      {
        name: "a summary printed through compose's prefix",
        f: facts({}, { summary: PASS }, { summary: FAIL }),
        status: "pass",
        summary: /^Exit 0/,
      },
      ...notRun,
      {
        name: "up --abort-on-container-exit, runner not created yet: exit 0, no test",
        f: facts({}, { summary: undefined, aborted: true }, { code: 0, summary: undefined, aborted: true }),
        status: "fail",
        summary: /"Aborting on container exit".*exits 0: a false pass/,
      },
      {
        name: "up --abort-on-container-exit, runner created and stopped: exit 1, no test",
        f: facts(
          {},
          { code: 1, summary: undefined, aborted: true },
          { code: 1, summary: undefined, aborted: true },
        ),
        status: "fail",
        summary: /exits 1 \(0 when the runner was not created yet: a false pass\)/,
      },
      {
        name: "`... || true` after the tests: exits 0 whatever they say",
        f: facts({}, {}, { code: 0 }),
        status: "fail",
        summary: /broken copy of the image .* it still exits 0 \(test-integration: FAIL/,
      },
      {
        name: "a hard-coded image: the broken copy is never tested",
        f: facts({}, {}, { code: 0, summary: PASS }),
        status: "fail",
        summary: /still exits 0.*does compose.test.yml test \$\{APP_IMAGE\}/,
      },
      {
        name: "the good run fails beside the other (a shared port)",
        f: facts(
          {},
          { code: 1, summary: undefined, tail: "Bind for 0.0.0.0:8080 failed: port is already allocated" },
        ),
        status: "fail",
        summary: /it fails \(exit 1, before any test ran\)/,
      },
      {
        name: "the cleanup's exit code replaces the tests' (exit 3 after PASS)",
        f: facts({}, { code: 3 }),
        status: "fail",
        summary: /tests passed .* but it exits 3/,
      },
      {
        name: "up --abort-on-container-exit, Compose hangs after its abort (compose#9732): killed, no test",
        f: facts(
          {},
          { code: 124, timedOut: true, summary: undefined, aborted: true },
          { code: 124, timedOut: true, summary: undefined, aborted: true },
        ),
        status: "fail",
        summary:
          /^Compose stopped the whole stack \("Aborting on container exit"\) before any test ran, and the run never ended/,
      },
      {
        name: "up --abort-on-container-exit, hung before Compose printed its abort: the script says why",
        f: facts(
          {
            script: {
              path: "/workspace/reg-case-platform/scripts/integration-test.sh",
              text: '#!/bin/bash\ndocker compose -p "$p" -f compose.test.yml up --abort-on-container-exit --exit-code-from test-runner\n',
              executable: true,
            },
          },
          { code: 124, timedOut: true, summary: undefined },
          { code: 124, timedOut: true, summary: undefined },
        ),
        status: "fail",
        summary:
          /`up --abort-on-container-exit` stops the whole stack \("Aborting on container exit"\).*before any test ran, and the run never ended/,
      },
      {
        name: "a hung run (compose events in the cleanup)",
        f: facts({}, { code: 124, timedOut: true }),
        status: "fail",
        summary: /did not end within 300 s/,
      },
    ],
  ],
  [
    "harness.run.isolated",
    evaluateIsolated,
    [
      {
        name: "the solve: two projects named from BUILD_ID",
        f: facts(),
        status: "pass",
        summary: /own projects \(reg-case-test-drydock-74791b-a, reg-case-test-drydock-74791b-b\)/,
      },
      {
        name: "-p ci-$BUILD_ID",
        f: facts({ projects: [`ci-${A}`, `ci-${B}`] }),
        status: "pass",
        summary: /ci-drydock-74791b-a/,
      },
      {
        name: "BUILD_ID as the whole project name",
        f: facts({ projects: [A, B] }),
        status: "pass",
        summary: /^Two runs at once/,
      },
      {
        name: "the dev stack running beside (another project seen too)",
        f: facts({ projects: ["reg-case", `reg-case-test-${A}`, `reg-case-test-${B}`] }),
        status: "pass",
        summary: /^Two runs at once/,
      },
      ...notRun,
      {
        name: "a fixed project name: both runs in reg-case-test",
        f: facts({ projects: ["reg-case-test"] }, { code: 1, summary: undefined }),
        status: "fail",
        summary: /used the project reg-case-test, whatever BUILD_ID was/,
      },
      {
        name: "the directory's name (no name:, no -p)",
        f: facts({ projects: ["reg-case-platform"] }),
        status: "fail",
        summary: /used the project reg-case-platform/,
      },
      {
        name: "host port collision",
        f: facts(
          {},
          {},
          {
            code: 1,
            summary: undefined,
            tail: "Error response from daemon: driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: port is already allocated",
          },
        ),
        status: "fail",
        summary: /collided on a host port/,
      },
      {
        name: "no stack started at all",
        f: facts({ projects: [] }),
        status: "fail",
        summary: /No Compose project of either run was seen/,
      },
      {
        name: "own projects, but one run never got to its tests",
        f: facts({}, {}, { summary: undefined }),
        status: "fail",
        summary: /Not both runs got to their tests \(drydock-74791b-b/,
      },
    ],
  ],
  [
    "harness.run.cleanup",
    evaluateCleanup,
    [
      {
        name: "the solve: nothing left",
        f: facts(),
        status: "pass",
        summary: /^Nothing is left of either run/,
      },
      {
        name: "nothing left, a fixed-name project",
        f: facts({ projects: ["reg-case-test"] }),
        status: "pass",
        summary: /1 projects seen/,
      },
      {
        name: "nothing left after two failing runs",
        f: facts({}, { code: 1, summary: FAIL }),
        status: "pass",
        summary: /^Nothing is left/,
      },
      {
        name: "nothing left, three projects seen (a dependency project)",
        f: facts({ projects: ["a", `x-${A}`, `x-${B}`] }),
        status: "pass",
        summary: /3 projects seen/,
      },
      ...notRun,
      {
        name: "trap on ERR: the passing run's stack stays",
        f: facts({
          leftovers: [`reg-case-test-${A}-postgres-1`, `reg-case-test-${A}-case-api-1`].map((n) =>
            leftover(n),
          ),
        }),
        status: "fail",
        summary: /2 containers are left .* of the passing run/,
      },
      {
        name: "down without -v: the volume stays",
        f: facts({
          leftovers: [
            leftover(`reg-case-test-${A}_pgdata`, "volume"),
            leftover(`reg-case-test-${B}_pgdata`, "volume"),
          ],
        }),
        status: "fail",
        summary: /2 volumes are left .*passing and failing run: down without -v/,
      },
      {
        name: "down without -p: another project taken down, this one left",
        f: facts({
          leftovers: [
            leftover(`reg-case-test-${B}-worker-1`),
            leftover(`reg-case-test-${B}_app-net`, "network"),
          ],
        }),
        status: "fail",
        summary: /containers, networks are left .* of the failing run/,
      },
      {
        name: "no project seen: can't tell",
        f: facts({ projects: [] }),
        status: "error",
        summary: /^Can't tell whether it cleans up/,
      },
    ],
  ],
  [
    "harness.run.diagnostics",
    evaluateDiagnostics,
    [
      {
        name: "the solve: ps, logs, events files",
        f: facts(),
        status: "pass",
        summary: /left ps, logs and events in diagnostics\/drydock-74791b-b\/ps\.txt/,
      },
      {
        name: "one file with all three",
        f: facts({ diagnostics: { files: [`diagnostics-${B}.txt`], ps: true, logs: true, events: true } }),
        status: "pass",
        summary: /diagnostics-drydock-74791b-b\.txt/,
      },
      {
        name: "the broken run exits 2",
        f: facts({}, {}, { code: 2 }),
        status: "pass",
        summary: /It failed \(exit 2\)/,
      },
      {
        name: "a ci-artifacts folder per build",
        f: facts({
          diagnostics: {
            files: [
              `ci-artifacts/${B}/compose.log`,
              `ci-artifacts/${B}/ps.json`,
              `ci-artifacts/${B}/events.txt`,
            ],
            ps: true,
            logs: true,
            events: true,
          },
        }),
        status: "pass",
        summary: /ci-artifacts/,
      },
      ...notRun,
      {
        name: "collected after down: ps empty, logs gone",
        f: facts({
          diagnostics: {
            files: [`diagnostics/${B}/ps.txt`, `diagnostics/${B}/logs.txt`, `diagnostics/${B}/events.jsonl`],
            ps: false,
            logs: false,
            events: true,
          },
        }),
        status: "fail",
        summary: /have no ps, logs: collected after `down`/,
      },
      {
        name: "printed to the terminal only, no files",
        f: facts({ diagnostics: { files: [], ps: false, logs: false, events: false } }),
        status: "fail",
        summary: /left no diagnostics: no file under reg-case-platform\/ names its BUILD_ID/,
      },
      {
        name: "docker compose events hangs the failing run",
        f: facts({}, {}, { code: 124, timedOut: true }),
        status: "fail",
        summary: /did not end within 300 s: `docker compose events` follows forever/,
      },
      {
        name: "the broken run passes: no diagnostics",
        f: facts({}, {}, { code: 0, summary: PASS }),
        status: "fail",
        summary: /exits 0, so no diagnostics/,
      },
      {
        name: "no events saved",
        f: facts({
          diagnostics: { files: [`diagnostics/${B}/logs.txt`], ps: true, logs: true, events: false },
        }),
        status: "fail",
        summary: /have no events/,
      },
    ],
  ],
];

for (const [id, evaluate, variants] of tables)
  describe(id, () => {
    it("has at least 4 right and 4 wrong variants", () => {
      expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
      expect(variants.filter((v) => v.status !== "pass").length).toBeGreaterThanOrEqual(4);
    });
    for (const v of variants)
      it(v.name, () => {
        const r = evaluate(v.f, P);
        expect(r.status, r.summary).toBe(v.status);
        expect(r.summary).toMatch(v.summary);
        expect(r.evidence.length).toBeGreaterThan(0);
      });
  });

describe("what counts as diagnostics", () => {
  it.each([
    [
      "compose ps with a container row",
      "NAME  IMAGE  SERVICE  STATUS\nreg-case-test-b-case-api-1  x  case-api  Up 4 seconds (healthy)",
      { ps: true, logs: false, events: false },
    ],
    [
      "compose ps after down: the header only",
      "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n",
      { ps: false, logs: false, events: false },
    ],
    [
      "compose ps --format json",
      '[{"Name":"x","Service":"case-api","State":"running"}]',
      { ps: true, logs: false, events: false },
    ],
    [
      "compose logs",
      'case-api-1  | {"level":"info","service":"reg-case-platform","msg":"api listening"}',
      { ps: false, logs: true, events: false },
    ],
    [
      "docker events --format json",
      '{"status":"die","Type":"container","Action":"die"}',
      { ps: false, logs: false, events: true },
    ],
    [
      "docker events as text",
      "2026-12-02T04:31:57 container die 170b2b3a (image=postgres:17)",
      { ps: false, logs: false, events: true },
    ],
  ])("%s", (_n, text, want) => {
    expect(diagnosticsIn([text])).toEqual(want);
  });
});
