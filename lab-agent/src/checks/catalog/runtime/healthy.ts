import type Docker from "dockerode";
import { z } from "zod";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { inspectContainer, sleep } from "../../engine-reads.ts";
import { planClone } from "../../probes/clone.ts";
import {
  type HealthConfig,
  healthTest,
  type IdleControl,
  idleControl,
  missingProgram,
} from "../../probes/healthcheck.ts";
import type { Health } from "../../probes/scratch.ts";
import { ContainerParam, CTR_SOURCE, collectContainer, noContainer, runtimeCheck } from "./define.ts";

const CONTROL = "probe: a copy that runs sleep instead of the app, with the same probe";

/**
 * Healthy when the app serves (the learner's container says so) and failing when it does not:
 * the negative control runs the same probe in a copy whose process is `sleep`. A probe that
 * passes there does not test the app (`|| exit 0`, `|| true`, a missing curl swallowed, a probe
 * of another container or of the database).
 */
export function evaluateHealth(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  control: IdleControl | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  const hc = info.Config.Healthcheck as HealthConfig | undefined;
  const health = info.State.Health as Health | undefined;
  const last = health?.Log?.at(-1);
  const evidence: Evidence[] = [
    {
      source: CTR_SOURCE,
      field: "Config.Healthcheck.Test",
      observed: hc?.Test ?? null,
      expected: "a probe of the app",
    },
    {
      source: CTR_SOURCE,
      field: "State.Health.Status",
      observed: health?.Status ?? null,
      expected: "healthy",
    },
    {
      source: CTR_SOURCE,
      field: "State.Health.Log[-1]",
      observed: last ? { ExitCode: last.ExitCode, Output: last.Output.trim().slice(0, 200) } : null,
    },
  ];
  if (!healthTest(hc) || !health)
    return fail(
      hc?.Test?.[0] === "NONE"
        ? `${name}'s healthcheck is switched off (NONE, e.g. --no-healthcheck).`
        : `${name} has no healthcheck.`,
      evidence,
    );
  if (health.Status !== "healthy") {
    if (missingProgram(last))
      return fail(
        `${name}'s probe cannot run: its program is not in the image (${last?.Output.trim().slice(0, 80)}).`,
        evidence,
      );
    if (health.Status === "starting")
      return checkError(
        `Can't tell yet, because ${name} is still starting (no probe has passed yet); check again in a moment.`,
        evidence,
      );
    const timedOut = /exceeded timeout/i.test(last?.Output ?? "");
    return fail(
      `${name} is ${health.Status} (failing streak ${health.FailingStreak ?? 0})${timedOut ? ": its probe timed out (a slow probe, or a busy machine: a longer --health-timeout helps)" : ""}.`,
      evidence,
    );
  }
  if (last && last.ExitCode === 0 && missingProgram(last))
    return fail(
      `${name} reports healthy although its probe's program is missing (${last.Output.trim().slice(0, 60)}): the probe's failure is swallowed.`,
      evidence,
    );
  if (!control)
    return checkError(
      "Can't tell whether the probe fails when the app does not serve: the control did not run.",
      evidence,
    );
  evidence.push({
    source: CONTROL,
    field: "first probe",
    observed: control.probe ?? control.note,
    expected: "exit ≠ 0 (nothing serves)",
  });
  if (!control.ran || !control.probe)
    return checkError(
      `Can't tell whether the probe fails when the app does not serve, because ${control.note}.`,
      evidence,
    );
  if (control.probe.ExitCode === 0)
    return fail(
      "The probe passes even when the app is not running, so it does not tell whether the app serves.",
      evidence,
    );
  return pass(
    `${name} is healthy, and the same probe fails (exit ${control.probe.ExitCode}) when the app is not running.`,
    evidence,
  );
}

export const containerHealthy = runtimeCheck({
  id: "container.healthy",
  title: "Healthy when it serves, failing when it does not",
  kind: "probe",
  watches: { objects: ["container"] },
  params: z
    .object({ container: ContainerParam, waitSeconds: z.number().int().min(0).max(120).default(20) })
    .strict(),
  async collect(ctx, p) {
    let info = await collectContainer(ctx, p.container);
    const docker = await ctx.lab.engine("laptop");
    const hc = info?.Config.Healthcheck as HealthConfig | undefined;
    // The control runs while the container may still be in its start period.
    const control =
      info?.State.Running && healthTest(hc)
        ? idleControl(docker, planClone(info).spec, hc as HealthConfig, {
            lab: ctx.lab.lab,
            check: "container.healthy",
            name: `${p.container}-health`,
          })
        : Promise.resolve(undefined);
    const deadline = Date.now() + p.waitSeconds * 1000;
    while (info?.State.Running && info.State.Health?.Status === "starting" && Date.now() < deadline) {
      await sleep(500);
      info = await inspectContainer(docker, p.container);
    }
    return { info, control: await control };
  },
  evaluate: (f, p) => evaluateHealth(p.container, f.info, f.control),
});
