import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import {
  CONFIG,
  CTRS,
  composeFiles,
  containerOf,
  filesEvidence,
  modelsOf,
  notRunningYet,
  Params,
} from "./common.ts";

/** migrate: restart "no" in the model as run, and its container exited 0 once, never restarted. */
export function evaluateMigrateOneShot(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const s = read.models.asRun.services[p.app.migrate];
  const restart = s?.restart ?? "no";
  const evidence: Evidence[] = [
    filesEvidence(f, p),
    {
      source: CONFIG,
      field: `services.${p.app.migrate}.restart`,
      observed: s ? (s.restart ?? "(unset: no)") : "(no such service)",
      expected: '"no"',
    },
  ];
  if (!s) return fail(`There is no ${p.app.migrate} service.`, evidence);
  if (restart !== "no")
    return fail(
      `${p.app.migrate} has restart: ${restart}${restart === "on-failure" ? "" : ": Docker starts it again after it exits 0, so it migrates in a loop"}; a one-shot job needs restart: "no".`,
      evidence,
    );
  const none = notRunningYet(f, p, evidence);
  if (none) return none;
  const c = containerOf(f, p.app.migrate);
  evidence.push({
    source: `${CTRS}=${p.project},service=${p.app.migrate}`,
    field: "State.Status / State.ExitCode / RestartCount / HostConfig.RestartPolicy.Name",
    observed: c
      ? [c.State.Status, c.State.ExitCode, c.RestartCount, c.HostConfig.RestartPolicy?.Name ?? ""]
      : "no container",
    expected: 'exited, 0, 0, "no"',
  });
  if (!c)
    return fail(
      `The running project ${p.project} has no ${p.app.migrate} container: it never ran (or was removed).`,
      evidence,
    );
  if (c.State.Running || c.State.Restarting)
    return fail(
      `${p.app.migrate} is still ${c.State.Status}: a migration that does not finish blocks every service gated on it.`,
      evidence,
    );
  if (c.State.ExitCode !== 0)
    return fail(
      `${p.app.migrate} exited ${c.State.ExitCode}, so nothing gated on service_completed_successfully starts.`,
      evidence,
    );
  if (c.RestartCount > 0) return fail(`${p.app.migrate} was restarted ${c.RestartCount} time(s).`, evidence);
  return pass(
    `${p.app.migrate} is a one-shot job (restart "no") and exited 0 at ${c.State.FinishedAt}.`,
    evidence,
  );
}

export const composeMigrateOneShot = defineCheck({
  id: "compose.migrate.oneshot",
  title: 'migrate runs once: restart "no", exited 0',
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateMigrateOneShot,
});
