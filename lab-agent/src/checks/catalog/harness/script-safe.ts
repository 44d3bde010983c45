import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectScriptAndModel,
  HarnessParams,
  type ModelRead,
  type ScriptFile,
  scriptAndModelFiles,
  scriptLines,
  words,
} from "./shared.ts";

export interface ScriptFacts {
  strict: boolean;
  nounset: boolean;
  traps: Array<{ handler: string; signals: string[] }>;
  cleanup?: string;
  buildId: "defaulted" | "bare" | "absent";
  projectUp: boolean;
  projectDown: boolean;
  run: "run" | "up-exit-code" | "up-abort" | "none";
}

const COMPOSE = /docker[ -]compose\b/;

/** Reads the parts of a test script that decide whether it is safe (pure: text in, facts out). */
export function readScriptFacts(text: string, runner: string): ScriptFacts {
  const lines = scriptLines(text);
  const code = lines.join("\n");
  const first = text.split("\n")[0] ?? "";
  const setFlags = lines.filter((l) => /^set\s/.test(l)).join(" ");
  const strict =
    /(^|\s)-[a-zA-Z]*e/.test(setFlags) || /-o\s+errexit/.test(setFlags) || /^#!.*\s-[a-z]*e/.test(first);
  const nounset = /(^|\s)-[a-zA-Z]*u/.test(setFlags) || /-o\s+nounset/.test(setFlags);
  const traps: ScriptFacts["traps"] = [];
  for (const l of lines) {
    if (!/^trap\s/.test(l)) continue;
    const ws = words(l).slice(1);
    const [handler, ...signals] = ws;
    if (handler !== undefined && handler !== "-")
      traps.push({ handler, signals: signals.map((s) => s.replace(/^SIG/, "").toUpperCase()) });
  }
  const onExit = traps.find((t) => t.signals.includes("EXIT") || t.signals.includes("0"));
  const handler = onExit ?? traps[0];
  let cleanup: string | undefined;
  if (handler) {
    const fn = /^[A-Za-z_][A-Za-z0-9_]*$/.test(handler.handler) ? handler.handler : undefined;
    const body = fn
      ? new RegExp(`(?:function\\s+)?${fn}\\s*(?:\\(\\s*\\))?\\s*\\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1]
      : handler.handler;
    cleanup = body?.trim();
  }
  // Array or variable invocations: `compose=(docker compose -p …)` then "${compose[@]}" down.
  const arrays = new Map<string, string>();
  for (const l of lines) {
    const m = /^(?:local\s+|readonly\s+|export\s+)?([A-Za-z_][A-Za-z0-9_]*)=\(?["']?(.*?)["']?\)?$/.exec(l);
    if (m?.[1] && m[2] && COMPOSE.test(m[2])) arrays.set(m[1], m[2]);
  }
  const expand = (l: string) =>
    l.replace(
      /"?\$\{([A-Za-z_][A-Za-z0-9_]*)(\[@\])?\}"?|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (m, a, _b, c) => arrays.get(a ?? c) ?? m,
    );
  const invocations = lines.map(expand).filter((l) => COMPOSE.test(l) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(l));
  const hasProject = (l: string) => /(^|\s)(-p|--project-name)(\s|=)/.test(l);
  const envProject = /COMPOSE_PROJECT_NAME=/.test(text);
  const ups = invocations.filter((l) => /\s(up|run)\s/.test(`${l} `));
  const downs = invocations.filter((l) => /\sdown(\s|$)/.test(l));
  const upLine = ups.find((l) => new RegExp(`\\srun\\s.*\\b${runner}\\b`).test(l));
  const exitFrom = ups.find((l) => /--exit-code-from/.test(l));
  const abort = ups.find((l) => /--abort-on-container-exit/.test(l));
  return {
    strict,
    nounset,
    traps,
    cleanup,
    buildId: /\$\{BUILD_ID:?[-=]|(^|\s)(export\s+)?BUILD_ID=|\$\{BUILD_ID:\?/m.test(code)
      ? "defaulted"
      : /\$\{?BUILD_ID\b/.test(code)
        ? "bare"
        : "absent",
    projectUp: envProject || ups.some(hasProject),
    projectDown: envProject || downs.some(hasProject),
    run: upLine ? "run" : exitFrom ? "up-exit-code" : abort ? "up-abort" : "none",
  };
}

/** A service that runs once and exits (migrate): `up --abort-on-container-exit` stops the stack on its exit 0. */
export function oneShots(read: ModelRead): string[] {
  const services = read.model?.services ?? {};
  const completed = new Set(
    Object.values(services).flatMap((s) =>
      Object.entries(s.depends_on ?? {})
        .filter(([, d]) => d.condition === "service_completed_successfully")
        .map(([n]) => n),
    ),
  );
  return Object.keys(services).filter((n) => completed.has(n) || /\bmigrat|\bseed\b/.test(n));
}

const SOURCE = "workspace: the test script";
const FALLBACK = "$" + "{BUILD_ID:-local-$(date +%s)}";

export function evaluateScript(script: ScriptFile, read: ModelRead, p: HarnessParams): CheckOutcome {
  if (script.text === undefined)
    return fail(`There is no test script at ${script.path}.`, [
      {
        source: SOURCE,
        field: script.path,
        observed: script.error ?? "unreadable",
        expected: "a bash script that runs the test stack",
      },
    ]);
  const f = readScriptFacts(script.text, p.runner);
  const shots = oneShots(read);
  const evidence: Evidence[] = [
    {
      source: SOURCE,
      field: "set",
      observed: `${f.strict ? "-e" : "no -e"}${f.nounset ? " -u" : ""}`,
      expected: "set -euo pipefail",
    },
    {
      source: SOURCE,
      field: "trap",
      observed: f.traps.map((t) => `${t.handler} ${t.signals.join(" ")}`).join("; ") || "none",
      expected: "a cleanup on EXIT",
    },
    {
      source: SOURCE,
      field: "cleanup",
      observed: f.cleanup ?? null,
      expected: "docker compose … down -v --remove-orphans",
    },
    { source: SOURCE, field: "BUILD_ID", observed: f.buildId, expected: "defaulted, e.g. BUILD_ID:-…" },
    { source: SOURCE, field: "tests run by", observed: f.run, expected: `run --rm ${p.runner}` },
  ];
  if (read.model)
    evidence.push({ source: "laptop: docker compose config", field: "one-shot services", observed: shots });
  const problems: string[] = [];
  if (!f.strict)
    problems.push(
      "without `set -e` a failing step does not stop it, and its exit status is whatever ran last",
    );
  if (f.traps.length === 0)
    problems.push("it has no `trap`, so a failed or interrupted run leaves its stack behind");
  else if (!f.traps.some((t) => t.signals.includes("EXIT") || t.signals.includes("0")))
    problems.push(
      `its trap is on ${f.traps.flatMap((t) => t.signals).join(", ") || "no signal"} only, not EXIT: it does not clean up after a passing run (ERR does not fire then) nor after Ctrl-C`,
    );
  const c = f.cleanup ?? "";
  if (f.traps.length > 0 && !/\bdown\b/.test(c))
    problems.push("its cleanup does not run `docker compose down`");
  else if (f.traps.length > 0) {
    if (!/(\s|^)(-v|--volumes)\b/.test(c))
      problems.push(
        "its cleanup runs `down` without `-v`, so each run leaves its volumes (and the next run may find old data)",
      );
    if (!/--remove-orphans/.test(c))
      problems.push(
        "its cleanup runs `down` without `--remove-orphans`, so one-off and renamed services' containers stay",
      );
  }
  if (f.buildId === "absent" && !(read.model?.name ?? "").includes("drydock-model"))
    problems.push(
      "the project name does not use BUILD_ID, so two runs at once share one project and remove each other's containers",
    );
  if (f.buildId === "bare")
    problems.push(
      f.nounset
        ? `it uses $BUILD_ID with no fallback under \`set -u\`: on a laptop, where BUILD_ID is unset, it stops with "unbound variable" (use ${FALLBACK})`
        : `it uses $BUILD_ID with no fallback: unset, every local run gets the same project name (use ${FALLBACK})`,
    );
  if (f.projectUp && !f.projectDown)
    problems.push(
      "it starts the stack with `-p` but runs `down` without it, so down removes another (default) project and leaves this one",
    );
  if (f.run === "none")
    problems.push(`nothing takes the tests' exit code: use \`docker compose run --rm ${p.runner}\``);
  if (f.run === "up-exit-code" || f.run === "up-abort")
    if (!read.model || shots.length > 0)
      problems.push(
        `\`up --abort-on-container-exit\`${f.run === "up-exit-code" ? " (which --exit-code-from implies)" : ""} stops the whole stack as soon as ${shots.join(", ") || "a one-shot service"} exits 0, before ${p.runner} has run: the script then exits 0 with no test run; use \`docker compose run --rm ${p.runner}\``,
      );
  if (!script.executable) problems.push(`it is not executable (\`chmod +x ${p.script}\`)`);
  evidence.push({
    source: SOURCE,
    field: "executable",
    observed: script.executable ?? false,
    expected: "true",
  });
  if (problems.length > 0) return fail(`The test script is not safe: ${problems.join("; ")}.`, evidence);
  return pass(
    `set -e, a cleanup trap on EXIT that runs down -v --remove-orphans, BUILD_ID with a fallback, and \`run ${p.runner}\` takes the tests' exit code.`,
    evidence,
  );
}

export const scriptSafe = defineCheck({
  id: "harness.script.safe",
  title: "The test script stops on errors, always cleans up, and exits with the tests' result",
  kind: "snapshot",
  params: HarnessParams,
  watches: { objects: [], files: scriptAndModelFiles },
  collect: collectScriptAndModel,
  evaluate: (f, p) => evaluateScript(f.script, f.read, p),
});
