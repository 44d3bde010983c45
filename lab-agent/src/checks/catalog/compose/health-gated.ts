import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { healthcheckOf } from "../../parsers/compose-model.ts";
import { CONFIG, composeFiles, filesEvidence, modelsOf, Params } from "./common.ts";

/**
 * As run (every -f file): api and worker wait for each data service to be healthy and for
 * migrate to exit 0; migrate waits for postgres; every service waited on as healthy has a
 * healthcheck Compose runs, and so do api and worker (what --wait and the next blocks wait on).
 */
export function evaluateHealthGated(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const m = read.models.asRun;
  const evidence: Evidence[] = [filesEvidence(f, p)];
  const problems: string[] = [];
  const gates: Array<[string, Record<string, string>]> = [
    [
      p.app.api,
      {
        ...Object.fromEntries(p.data.map((d) => [d, "service_healthy"])),
        [p.app.migrate]: "service_completed_successfully",
      },
    ],
    [
      p.app.worker,
      {
        ...Object.fromEntries(p.data.map((d) => [d, "service_healthy"])),
        [p.app.migrate]: "service_completed_successfully",
      },
    ],
    [p.app.migrate, { [p.data[0] ?? "postgres"]: "service_healthy" }],
  ];
  for (const [svc, want] of gates) {
    const s = m.services[svc];
    const dep = s?.depends_on ?? {};
    evidence.push({
      source: CONFIG,
      field: `services.${svc}.depends_on`,
      observed: s
        ? Object.fromEntries(Object.entries(dep).map(([k, v]) => [k, v.condition ?? "service_started"]))
        : "(no such service)",
      expected: Object.entries(want)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", "),
    });
    if (!s) {
      problems.push(`there is no ${svc} service`);
      continue;
    }
    const wrong = Object.entries(want).filter(([k, v]) => dep[k]?.condition !== v);
    if (wrong.length)
      problems.push(
        `${svc} ${wrong
          .map(([k, v]) =>
            dep[k]
              ? `starts once ${k} is ${dep[k]?.condition ?? "started"}, not ${v}`
              : `does not wait for ${k} (${v})`,
          )
          .join(", ")}`,
      );
  }
  const probed = [...p.data, p.app.api, p.app.worker];
  const health = probed.map((svc) => [svc, healthcheckOf(m.services[svc])] as const);
  evidence.push({
    source: CONFIG,
    field: `healthcheck (${probed.join(", ")})`,
    observed: Object.fromEntries(health.map(([s, h]) => [s, h.why])),
    expected: "a test Compose runs, for each",
  });
  for (const [svc, h] of health)
    if (m.services[svc] && !h.ok)
      problems.push(
        `${svc} has ${h.why}${p.data.includes(svc) ? `, so service_healthy on it can never be met` : ""}`,
      );
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `${p.app.api} and ${p.app.worker} start once ${p.data.join(" and ")} are healthy and ${p.app.migrate} exited 0; ${probed.join(", ")} have healthchecks.`,
    evidence,
  );
}

export const composeHealthGated = defineCheck({
  id: "compose.health.gated",
  title: "Startup gated on health: service_healthy and service_completed_successfully",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateHealthGated,
});
