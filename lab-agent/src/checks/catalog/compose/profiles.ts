import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { runsMode } from "../../parsers/compose-model.ts";
import { CONFIG, composeFiles, filesEvidence, modelsOf, Params } from "./common.ts";

/**
 * With every profile on: a seed job (the app's `seed` mode) and a debug tool, each behind a
 * profile, so a plain `up` (no --profile) starts neither; the app and data services have none
 * (a core service behind a profile never starts in a plain `up`).
 */
export function evaluateProfiles(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const { asRun, all } = read.models;
  const core = [p.app.api, p.app.worker, p.app.migrate, ...p.data];
  const profiled = Object.entries(all.services).filter(([, s]) => (s.profiles ?? []).length);
  const evidence: Evidence[] = [
    filesEvidence(f, p),
    {
      source: `${CONFIG} --profile … (every profile)`,
      field: "services with profiles",
      observed: Object.fromEntries(profiled.map(([n, s]) => [n, s.profiles])),
      expected: "a seed job and a debug tool",
    },
    {
      source: `${CONFIG} (no --profile)`,
      field: "services a plain up starts",
      observed: Object.keys(asRun.services),
      expected: core.join(", "),
    },
  ];
  const problems: string[] = [];
  const seedAll = Object.entries(all.services).filter(([n, s]) => runsMode(s, "seed") || n === "seed");
  const seedDefault = seedAll.filter(([n]) => asRun.services[n]);
  if (!seedAll.length) problems.push("there is no seed job (a service running the app's seed mode)");
  else if (seedDefault.length)
    problems.push(
      `${seedDefault.map(([n]) => n).join(", ")} has no profile, so every plain up seeds demo data`,
    );
  const tools = profiled.filter(([n, s]) => !core.includes(n) && !runsMode(s, "seed") && n !== "seed");
  if (!tools.length)
    problems.push("no debug tool sits behind a profile (e.g. a busybox toolbox with profiles: [debug])");
  const hidden = core.filter((n) => all.services[n] && !asRun.services[n]);
  if (hidden.length)
    problems.push(
      `${hidden.join(", ")} ${hidden.length > 1 ? "are" : "is"} behind a profile, so a plain up does not start ${hidden.length > 1 ? "them" : "it"}`,
    );
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  const names = [...seedAll, ...tools].map(([n, s]) => `${n} (${(s.profiles ?? []).join(", ")})`);
  return pass(
    `Optional tools behind profiles: ${names.join(", ")}; a plain up starts ${core.join(", ")} only.`,
    evidence,
  );
}

export const composeProfiles = defineCheck({
  id: "compose.profiles",
  title: "Seed and debug tools behind profiles, off by default",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateProfiles,
});
