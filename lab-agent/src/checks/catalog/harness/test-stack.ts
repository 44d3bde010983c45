import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectScriptAndModel,
  commandOf,
  HarnessParams,
  MODEL_BUILD_ID,
  MODEL_IMAGE,
  type ModelRead,
  type ScriptFile,
  scriptAndModelFiles,
} from "./shared.ts";

const SOURCE = "laptop: docker compose config --format json";

/**
 * The test stack as Compose reads it (the files the script passes, `-f` pairs, anchors, `extends`,
 * `!reset` all resolved by the laptop's own Compose): no host ports, a test-runner that runs the
 * integration tests only once the api is healthy, and the image under test taken from APP_IMAGE.
 */
export function evaluateStack(script: ScriptFile, read: ModelRead, p: HarnessParams): CheckOutcome {
  const evidence: Evidence[] = [
    {
      source: SOURCE,
      field: "files",
      observed: read.files.join(" + "),
      expected: read.fromScript
        ? "the files the script passes"
        : `the files the script passes (it names none readable: ${script.error ?? "read the defaults"})`,
    },
  ];
  if (!read.model) {
    evidence.push({
      source: SOURCE,
      field: "(result)",
      observed: read.error ?? "no model",
      expected: "a configuration",
    });
    return fail(`The test stack cannot be read: ${read.error}.`, evidence);
  }
  const services = read.model.services;
  const problems: string[] = [];
  const published = Object.entries(services).flatMap(([name, s]) =>
    (s.ports ?? [])
      .filter((port) => port.published !== undefined && port.published !== "")
      .map((port) => `${name}: ${port.published}→${port.target ?? "?"}`),
  );
  evidence.push({
    source: SOURCE,
    field: "services.*.ports (published)",
    observed: published.length ? published : "none",
    expected: "none",
  });
  if (published.length > 0)
    problems.push(
      `it publishes host ports (${published.join(", ")}), so two runs at once collide on them; an override cannot drop the base's ports with \`ports: []\` (lists are merged), use \`ports: !reset []\` or a standalone test file`,
    );
  const runner = services[p.runner];
  const api = services[p.api];
  evidence.push({
    source: SOURCE,
    field: `services.${p.runner}.command / depends_on`,
    observed: runner
      ? { command: commandOf(runner.command), depends_on: runner.depends_on ?? {} }
      : "no such service",
    expected: `test-integration, after ${p.api}: service_healthy`,
  });
  if (!runner) problems.push(`it has no ${p.runner} service (the container that runs the tests)`);
  else {
    if (!/\btest-integration\b/.test(commandOf(runner.command)))
      problems.push(
        `${p.runner} runs \`${commandOf(runner.command) || "the image's CMD"}\`, not the test-integration mode`,
      );
    const gate = runner.depends_on?.[p.api]?.condition;
    if (gate !== "service_healthy")
      problems.push(
        gate
          ? `${p.runner} waits for ${p.api} only to be ${gate === "service_started" ? "started" : gate}, not healthy, so the tests race its startup`
          : `${p.runner} does not depend on ${p.api} being healthy, so the tests race its startup`,
      );
  }
  if (!api) problems.push(`it has no ${p.api} service`);
  else {
    evidence.push({
      source: SOURCE,
      field: `services.${p.api}.healthcheck`,
      observed: api.healthcheck ?? "(the image's HEALTHCHECK)",
    });
    if (api.healthcheck?.disable)
      problems.push(`${p.api}'s healthcheck is disabled, so "healthy" never comes`);
  }
  const images = Object.fromEntries(
    [p.api, p.runner].filter((n) => services[n]).map((n) => [n, services[n]?.image ?? "(build: only)"]),
  );
  evidence.push({
    source: SOURCE,
    field: "services.*.image (APP_IMAGE set)",
    observed: images,
    expected: MODEL_IMAGE,
  });
  const notCandidate = Object.entries(images).filter(([, i]) => i !== MODEL_IMAGE);
  if (notCandidate.length > 0)
    problems.push(
      `${notCandidate.map(([n, i]) => `${n} runs ${i}`).join(", ")} instead of \${APP_IMAGE}: test the release candidate the script is given, not whatever is built or tagged locally`,
    );
  evidence.push({
    source: SOURCE,
    field: "name (BUILD_ID set)",
    observed: read.model.name ?? null,
    expected: `contains ${MODEL_BUILD_ID} (or the script's -p does)`,
  });
  if (problems.length > 0)
    return fail(`The test stack is not safe to run in CI: ${problems.join("; ")}.`, evidence);
  return pass(
    `No host ports; ${p.runner} runs test-integration once ${p.api} is healthy, on \${APP_IMAGE} (${Object.keys(services).length} services in ${read.files.join(" + ")}).`,
    evidence,
  );
}

export const testStack = defineCheck({
  id: "harness.compose.stack",
  title: "The test stack has no host ports and a health-gated test-runner on the candidate image",
  kind: "snapshot",
  params: HarnessParams,
  watches: { objects: [], files: scriptAndModelFiles },
  collect: collectScriptAndModel,
  evaluate: (f, p) => evaluateStack(f.script, f.read, p),
});
