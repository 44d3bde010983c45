import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { CTRS, composeFiles, containerOf, filesEvidence, notRunningYet, Params } from "./common.ts";

/**
 * The running project, through Compose's labels: api, worker and the data services running (and
 * healthy where they have a healthcheck), migrate exited 0, api and worker on one image.
 */
export function evaluateStackHealthy(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const evidence: Evidence[] = [filesEvidence(f, p)];
  const none = notRunningYet(f, p, evidence);
  if (none) return none;
  const long = [p.app.api, p.app.worker, ...p.data];
  const state = (svc: string) => {
    const c = containerOf(f, svc);
    if (!c) return "no container";
    if (!c.State.Running) return `${c.State.Status} (exit ${c.State.ExitCode})`;
    return c.State.Health ? `running, ${c.State.Health.Status}` : "running (no healthcheck)";
  };
  const observed = Object.fromEntries([...long, p.app.migrate].map((s) => [s, state(s)]));
  evidence.push({
    source: `${CTRS}=${p.project}`,
    field: "State.Status / State.Health.Status by com.docker.compose.service",
    observed,
    expected: `${long.join(", ")}: running, healthy; ${p.app.migrate}: exited (exit 0)`,
  });
  const problems: string[] = [];
  for (const svc of long) {
    const s = observed[svc] ?? "";
    if (s === "running, healthy" || s === "running (no healthcheck)") continue;
    if (s === "running, starting")
      problems.push(`${svc} is still starting (its healthcheck has not passed yet)`);
    else if (s === "no container") problems.push(`${svc} has no container in the project`);
    else {
      const c = containerOf(f, svc);
      const last = c?.State.Health?.Log?.at(-1)?.Output?.trim().split("\n").at(-1);
      problems.push(`${svc} is ${s}${last ? ` (last probe: ${last.slice(0, 160)})` : ""}`);
    }
  }
  const m = observed[p.app.migrate];
  if (m !== "exited (exit 0)") problems.push(`${p.app.migrate} is ${m}`);
  const images = [p.app.api, p.app.worker, p.app.migrate].map((s) => containerOf(f, s)?.Image ?? null);
  evidence.push({
    source: CTRS,
    field: `Image (${p.app.api}, ${p.app.worker}, ${p.app.migrate})`,
    observed: images,
    expected: "one image id",
  });
  if (!problems.length && new Set(images).size > 1)
    problems.push(
      `${p.app.api}, ${p.app.worker} and ${p.app.migrate} run different images: recreate them from the current build (up -d --build)`,
    );
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  const unprobed = long.filter((s) => observed[s] === "running (no healthcheck)");
  return pass(
    `Project ${p.project}: ${long.join(", ")} running${unprobed.length ? ` (${unprobed.join(", ")} without a healthcheck)` : ", healthy"}; ${p.app.migrate} exited 0.`,
    evidence,
  );
}

export const composeStackHealthy = defineCheck({
  id: "compose.stack.healthy",
  title: "The running stack is healthy",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateStackHealthy,
});
