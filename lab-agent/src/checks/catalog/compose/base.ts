import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { commandText, runsMode } from "../../parsers/compose-model.ts";
import { CONFIG, composeFiles, filesEvidence, modelsOf, Params } from "./common.ts";

/**
 * compose.yml alone (`-f compose.yml`): the project name, the five services, one image for the
 * app's three modes (built from the project folder, each with its own command).
 */
export function evaluateBase(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const m = read.models.base;
  const app = [p.app.api, p.app.worker, p.app.migrate];
  const want = [...app, ...p.data];
  const declared = Object.keys(m.services);
  const evidence: Evidence[] = [
    filesEvidence(f, p),
    { source: `${CONFIG} (${p.base} alone)`, field: "name", observed: m.name, expected: p.project },
    {
      source: `${CONFIG} (${p.base} alone)`,
      field: "services",
      observed: declared,
      expected: `${want.join(", ")}`,
    },
  ];
  const problems: string[] = [];
  if (m.name !== p.project)
    problems.push(
      `the project is named ${m.name ?? "after its folder"}, not ${p.project} (add name: ${p.project} to ${p.base})`,
    );
  const missing = want.filter((s) => !m.services[s]);
  if (missing.length) problems.push(`${p.base} does not declare ${missing.join(", ")}`);
  const present = app.filter((s) => m.services[s]);
  const images = present.map((s) => m.services[s]?.image ?? `(none: Compose names it ${m.name}-${s})`);
  const builds = present.filter((s) => m.services[s]?.build);
  evidence.push(
    { source: CONFIG, field: `image (${present.join(", ")})`, observed: images, expected: "one image" },
    {
      source: CONFIG,
      field: `build.context (${present.join(", ")})`,
      observed: present.map((s) => m.services[s]?.build?.context ?? null),
      expected: `/workspace/${p.dir}`,
    },
    {
      source: CONFIG,
      field: `command (${present.join(", ")})`,
      observed: present.map((s) => commandText(m.services[s]) ?? "(the image's CMD)"),
      expected: app.join(", "),
    },
  );
  const distinct = [...new Set(images)];
  if (distinct.length > 1)
    problems.push(
      builds.length > 1
        ? `${builds.join(", ")} each build their own image (${distinct.join(", ")}): one image, built once, runs all three modes`
        : `${present.join(", ")} run different images (${distinct.join(", ")})`,
    );
  if (present.length && builds.length === 0)
    problems.push(
      `no app service has build:, so up --build has nothing to build from ${p.dir}/ (build: . on one of them)`,
    );
  const modes: Array<[string, string]> = [
    [p.app.api, "api"],
    [p.app.worker, "worker"],
    [p.app.migrate, "migrate"],
  ];
  for (const [svc, mode] of modes) {
    const s = m.services[svc];
    if (!s) continue;
    if (mode === "api" && !s.command?.length && !s.entrypoint?.length) continue; // the image's CMD is api
    if (!runsMode(s, mode))
      problems.push(`${svc} runs ${commandText(s) ?? "the image's CMD (api)"}, not the ${mode} mode`);
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `${p.base} declares ${want.join(", ")} in project ${p.project}; ${app.join(", ")} run one image (${distinct[0]}), built from ${p.dir}/, each with its own command.`,
    evidence,
  );
}

export const composeBase = defineCheck({
  id: "compose.base",
  title: "compose.yml: the app graph, one image for api, worker and migrate",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateBase,
});
