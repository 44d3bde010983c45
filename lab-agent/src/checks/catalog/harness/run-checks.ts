import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  BROKEN_CHANGE,
  collectRunProbe,
  RunParams as Params,
  type RunParams,
  type RunProbe,
  type ScriptRun,
} from "./run-probe.ts";

const SOURCE = "probe: the script, run twice at once on laptop";

function runEvidence(label: string, r: ScriptRun): Evidence[] {
  return [
    {
      source: `probe: the ${label} run (BUILD_ID=${r.buildId}, APP_IMAGE=${r.image})`,
      field: "exit code / seconds / summary",
      observed: `${r.code}${r.timedOut ? " (killed: time limit)" : ""} / ${r.seconds} / ${r.summary ?? "no test-integration summary line"}${r.aborted ? ' / "Aborting on container exit"' : ""}`,
    },
    { source: `probe: the ${label} run`, field: "last lines", observed: r.tail },
  ];
}

/** The outcome when the script could not be run at all, else undefined. */
export function notRun(f: RunProbe, p: RunParams): CheckOutcome | undefined {
  const s = f.script;
  if (s.text === undefined)
    return fail(`There is no test script at ${s.path}.`, [
      {
        source: "workspace",
        field: s.path,
        observed: s.error ?? "unreadable",
        expected: "an executable script",
      },
    ]);
  if (!s.executable)
    return fail(
      `${s.path} is not executable, so \`./${p.script}\` fails with "Permission denied" (chmod +x it).`,
      [{ source: "workspace", field: `${s.path} mode`, observed: "not executable", expected: "chmod +x" }],
    );
  if (f.imageMissing)
    return checkError(
      `Can't tell, because there is no image ${p.image} on laptop to test (build it first, hours 3-4).`,
      [
        {
          source: "laptop: GET /images/{name}/json",
          field: p.image,
          observed: "404",
          expected: "the image under test",
        },
      ],
    );
  if (!f.good || !f.broken)
    return checkError(`Can't tell, because the script could not be run: ${f.error ?? "unknown"}.`, [
      { source: SOURCE, field: "(run)", observed: f.error ?? null },
    ]);
  return undefined;
}

const ranTests = (r: ScriptRun) => r.summary !== undefined;
const passed = (r: ScriptRun) => /PASS/.test(r.summary ?? "");

/** It exits with the tests' result: 0 when they ran and passed, not 0 when they failed. */
export function evaluateResult(f: RunProbe, p: RunParams): CheckOutcome {
  const early = notRun(f, p);
  if (early || !f.good || !f.broken) return early as CheckOutcome;
  const { good, broken } = f;
  const evidence = [...runEvidence("good", good), ...runEvidence("broken-app", broken)];
  // `up --abort-on-container-exit` does not always end: when its abort stops the api before it is
  // healthy, Compose can wait on that dependency for ever (docker/compose#9732). The same mistake,
  // so the same diagnosis, whether Compose then returned or hung.
  const abortFlag = /--abort-on-container-exit|--exit-code-from/.test(f.script.text ?? "");
  if (good.timedOut && !ranTests(good) && (good.aborted || abortFlag))
    return fail(
      `${good.aborted ? 'Compose stopped the whole stack ("Aborting on container exit")' : 'The script\'s `up --abort-on-container-exit` stops the whole stack ("Aborting on container exit") as soon as migrate exits 0,'} before any test ran, and the run never ended (killed after ${p.timeoutSeconds} s: Compose can wait for ever on a dependency its abort stopped). Run the tests with \`docker compose run --rm test-runner\`, which waits for its depends_on and returns the runner's exit code.`,
      evidence,
    );
  if (good.timedOut) return fail(`The run on ${p.image} did not end within ${p.timeoutSeconds} s.`, evidence);
  if (!ranTests(good) && good.aborted)
    return fail(
      `Compose stopped the whole stack ("Aborting on container exit") before any test ran, and the script exits ${good.code}${good.code === 0 ? ": a false pass" : " (0 when the runner was not created yet: a false pass)"}. \`up --abort-on-container-exit\` (and --exit-code-from, which implies it) stops everything when migrate exits 0; run the tests with \`docker compose run --rm test-runner\`.`,
      evidence,
    );
  if (good.code === 0 && !ranTests(good))
    return fail(
      "It exits 0 but no test ran (no test-integration summary line): a false pass. `up --abort-on-container-exit` (and --exit-code-from, which implies it) stops the whole stack when migrate exits 0; run the tests with `docker compose run --rm test-runner`.",
      evidence,
    );
  if (good.code === 0 && !passed(good))
    return fail(`It exits 0 although the tests failed (${good.summary}).`, evidence);
  if (good.code !== 0 && passed(good))
    return fail(`The tests passed (${good.summary}) but it exits ${good.code}.`, evidence);
  if (good.code !== 0)
    return fail(
      `On ${p.image} it fails (exit ${good.code}${good.summary ? `: ${good.summary}` : ", before any test ran"}) while another run went on at the same time.`,
      evidence,
    );
  if (broken.code === 0)
    return fail(
      `On a deliberately broken copy of the image (${BROKEN_CHANGE}: its migrations are gone) it still exits 0${ranTests(broken) ? ` (${broken.summary})` : ", with no test run"}: does compose.test.yml test \${APP_IMAGE}?`,
      evidence,
    );
  if (!ranTests(broken))
    return fail(
      `On the broken copy it fails (exit ${broken.code}) but before any test ran, so its exit code is not the tests' result.`,
      evidence,
    );
  return pass(
    `Exit 0 with the tests passing (${good.summary}); exit ${broken.code} with them failing on a broken copy (${broken.summary}).`,
    evidence,
  );
}

/** Two runs at once: each in its own project named from its BUILD_ID, neither disturbing the other. */
export function evaluateIsolated(f: RunProbe, p: RunParams): CheckOutcome {
  const early = notRun(f, p);
  if (early || !f.good || !f.broken) return early as CheckOutcome;
  const { good, broken } = f;
  const mine = (r: ScriptRun) => f.projects.filter((n) => n.includes(r.buildId));
  const evidence: Evidence[] = [
    {
      source: "probe: laptop GET /containers/json (label com.docker.compose.project), every second",
      field: "projects seen",
      observed: f.projects,
      expected: `one per run, named from ${good.buildId} and ${broken.buildId}`,
    },
    ...runEvidence("good", good),
    ...runEvidence("broken-app", broken),
  ];
  const collide = [good, broken].find((r) =>
    /port is already allocated|address already in use/i.test(r.tail),
  );
  if (collide)
    return fail(
      'The two runs collided on a host port ("port is already allocated"): a test stack publishes no ports.',
      evidence,
    );
  if (mine(good).length === 0 || mine(broken).length === 0) {
    const shared = f.projects.filter((n) => !n.includes(good.buildId) && !n.includes(broken.buildId));
    return fail(
      shared.length > 0
        ? `The runs used the project ${shared.join(", ")}, whatever BUILD_ID was: two CI jobs at once share one stack and tear each other's down.`
        : "No Compose project of either run was seen: the script started no stack.",
      evidence,
    );
  }
  if (!ranTests(good) || !ranTests(broken))
    return fail(
      `Not both runs got to their tests (${[good, broken]
        .filter((r) => !ranTests(r))
        .map((r) => r.buildId)
        .join(", ")} did not): they got in each other's way, or the stack never started.`,
      evidence,
    );
  return pass(
    `Two runs at once, in their own projects (${[...mine(good), ...mine(broken)].join(", ")}), each ran its tests to its own result.`,
    evidence,
  );
}

/** Nothing of either run is left: containers, networks, volumes (by com.docker.compose.project). */
export function evaluateCleanup(f: RunProbe, p: RunParams): CheckOutcome {
  const early = notRun(f, p);
  if (early || !f.good || !f.broken) return early as CheckOutcome;
  const evidence: Evidence[] = [
    {
      source:
        "probe: laptop containers, networks, volumes labelled com.docker.compose.project, after both runs",
      field: "new since the runs began",
      observed: f.leftovers.map((o) => `${o.kind} ${o.name}`),
      expected: "none",
    },
    { source: SOURCE, field: "projects seen", observed: f.projects },
    ...runEvidence("good", f.good),
    ...runEvidence("broken-app", f.broken),
  ];
  if (f.projects.length === 0)
    return checkError(
      "Can't tell whether it cleans up, because no Compose project of either run was seen.",
      evidence,
    );
  if (f.leftovers.length === 0)
    return pass(
      `Nothing is left of either run (the passing one and the failing one; ${f.projects.length} projects seen).`,
      evidence,
    );
  const kinds = [...new Set(f.leftovers.map((o) => o.kind))];
  const runs = [f.good, f.broken].filter((r) => f.leftovers.some((o) => o.project.includes(r.buildId)));
  return fail(
    `After the runs, ${f.leftovers.length} ${kinds.join("s, ")}s are left (${f.leftovers
      .slice(0, 4)
      .map((o) => o.name)
      .join(
        ", ",
      )}${f.leftovers.length > 4 ? ", …" : ""})${runs.length ? ` of the ${runs.map((r) => (r === f.good ? "passing" : "failing")).join(" and ")} run` : ""}${kinds.includes("volume") && !kinds.includes("container") ? ": down without -v" : ""}.`,
    evidence,
  );
}

/** The failing run leaves ps, logs and events behind in files. */
export function evaluateDiagnostics(f: RunProbe, p: RunParams): CheckOutcome {
  const early = notRun(f, p);
  if (early || !f.good || !f.broken) return early as CheckOutcome;
  const { broken } = f;
  const d = f.diagnostics ?? { files: [], ps: false, logs: false, events: false };
  const evidence: Evidence[] = [
    ...runEvidence("broken-app", broken),
    {
      source: `workspace: files under ${p.app}/ naming ${broken.buildId}`,
      field: "files",
      observed: d.files,
      expected: "ps, logs and events of the failed run",
    },
    {
      source: "workspace: those files",
      field: "ps / logs / events",
      observed: `${d.ps} / ${d.logs} / ${d.events}`,
      expected: "true / true / true",
    },
  ];
  if (broken.timedOut)
    return fail(
      `The failing run did not end within ${p.timeoutSeconds} s: \`docker compose events\` follows forever (use \`docker events --since … --until …\`).`,
      evidence,
    );
  if (broken.code === 0)
    return fail(
      `On a deliberately broken copy of the image it exits 0, so no diagnostics are collected (${BROKEN_CHANGE}).`,
      evidence,
    );
  if (d.files.length === 0)
    return fail(
      `It failed (exit ${broken.code}) but left no diagnostics: no file under ${p.app}/ names its BUILD_ID (e.g. diagnostics/$BUILD_ID/).`,
      evidence,
    );
  const missing = (["ps", "logs", "events"] as const).filter((k) => !d[k]);
  if (missing.length > 0)
    return fail(
      `Its diagnostics (${d.files.join(", ")}) have no ${missing.join(", ")}${missing.includes("logs") ? ": collected after `down`, the logs are gone" : ""}.`,
      evidence,
    );
  return pass(
    `It failed (exit ${broken.code}) and left ps, logs and events in ${d.files.join(", ")}.`,
    evidence,
  );
}

const watches = {
  objects: ["image"] as const,
  images: (p: RunParams) => [p.image],
  files: (p: RunParams) => [`${p.app}/${p.script}`],
};

function runCheck(id: string, title: string, evaluate: (f: RunProbe, p: RunParams) => CheckOutcome) {
  return defineCheck({
    id,
    title,
    kind: "probe",
    params: Params,
    watches: { ...watches, objects: [...watches.objects] },
    collect: (ctx, p) => collectRunProbe(ctx, p),
    evaluate,
  });
}

export const runResult = runCheck(
  "harness.run.result",
  "The script exits with the tests' result (no false pass)",
  evaluateResult,
);
export const runIsolated = runCheck(
  "harness.run.isolated",
  "Two runs at once do not collide",
  evaluateIsolated,
);
export const runCleanup = runCheck(
  "harness.run.cleanup",
  "Nothing of a run is left afterwards, passing or failing",
  evaluateCleanup,
);
export const runDiagnostics = runCheck(
  "harness.run.diagnostics",
  "A failing run leaves ps, logs and events behind",
  evaluateDiagnostics,
);
