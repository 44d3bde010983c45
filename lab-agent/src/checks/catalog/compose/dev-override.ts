import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { CONFIG, composeFiles, filesEvidence, modelsOf, notRunningYet, Params } from "./common.ts";

const stable = (x: unknown) =>
  JSON.stringify(x, (_k, v) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
  );

/**
 * compose.dev.yml exists, the running project was started with it on top of compose.yml, it
 * changes something (settings of base services, or services of its own), and the dev-only tools
 * (services behind profiles) live in it, not in the base.
 */
export function evaluateDevOverride(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const files = filesEvidence(f, p);
  if (f.filesFrom === "default" && f.missing.includes(p.override) && !f.missing.includes(p.base))
    return fail(`There is no ${p.dir}/${p.override}.`, [files]);
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const { base, all } = read.models;
  const evidence: Evidence[] = [files];
  const overridePath = `/workspace/${p.dir}/${p.override}`;
  const none = notRunningYet(f, p, evidence);
  if (none) return none;
  if (!f.files.includes(overridePath))
    return fail(
      `The running project ${p.project} was started from ${f.files.map((x) => x.replace(`/workspace/${p.dir}/`, "")).join(" + ")}, without ${p.override}: docker compose -f ${p.base} -f ${p.override} up -d.`,
      evidence,
    );
  const changed = Object.keys(all.services).filter(
    (n) => stable(all.services[n]) !== stable(base.services[n]),
  );
  const added = changed.filter((n) => !base.services[n]);
  evidence.push({
    source: `${CONFIG} (${p.base} alone vs every file)`,
    field: "services the override changes / adds",
    observed: { changes: changed.filter((n) => base.services[n]), adds: added },
    expected: "dev settings for the app, the dev tools",
  });
  const toolsInBase = Object.entries(base.services)
    .filter(([, s]) => (s.profiles ?? []).length)
    .map(([n]) => n);
  evidence.push({
    source: `${CONFIG} (${p.base} alone)`,
    field: "services with profiles",
    observed: toolsInBase,
    expected: "[] (dev tools belong in the override)",
  });
  if (!changed.length)
    return fail(`${p.override} changes nothing that ${p.base} does not already say.`, evidence);
  if (toolsInBase.length)
    return fail(
      `${p.base} holds the dev tools ${toolsInBase.join(", ")}: they belong in ${p.override}, so tests and deployments built on the base never carry them.`,
      evidence,
    );
  return pass(
    `The project runs ${p.base} + ${p.override}; the override changes ${changed.filter((n) => base.services[n]).join(", ") || "no base service"} and adds ${added.join(", ") || "nothing"}.`,
    evidence,
  );
}

export const composeDevOverride = defineCheck({
  id: "compose.dev.override",
  title: "compose.dev.yml layered on compose.yml, holding only the dev loop's changes",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateDevOverride,
});
