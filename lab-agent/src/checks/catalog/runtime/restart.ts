import type Docker from "dockerode";
import { z } from "zod";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { withClone } from "../../probes/clone.ts";
import { logTail, waitFor } from "../../probes/scratch.ts";
import {
  ContainerParam,
  CTR_SOURCE,
  collectContainer,
  noContainer,
  runtimeCheck,
  swarmTask,
} from "./define.ts";

const RESTARTING = ["unless-stopped", "always", "on-failure"];

/** What the crash probe saw (fixtures record this shape). */
export interface CrashProbe {
  crashEnv: string[];
  /** The copy's exit code after its first run. */
  exitCode: number;
  restartCount: number;
  /** Whether the copy was still up when the wait ended (it did not crash). */
  stillRunning: boolean;
  seconds: number;
  logTail: string;
  differences: string[];
}

type Policy = { Name?: string; MaximumRetryCount?: number };

function describe(policy: Policy): string {
  const name = policy.Name || "no";
  return name === "on-failure" && policy.MaximumRetryCount ? `on-failure:${policy.MaximumRetryCount}` : name;
}

/**
 * A policy that restarts (unless-stopped, always, on-failure[:N]) and its effect observed on a
 * copy made to crash: the copy must die with a non-zero code and be started again. A wrapper
 * that swallows the crash (`node app; echo stopped` exits 0) gets no restart from on-failure.
 */
export function evaluateRestart(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  probe: CrashProbe | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  const policy = (info.HostConfig.RestartPolicy ?? { Name: "" }) as Policy;
  const evidence: Evidence[] = [
    {
      source: CTR_SOURCE,
      field: "HostConfig.RestartPolicy",
      observed: policy,
      expected: "unless-stopped, always or on-failure[:N]",
    },
  ];
  const service = swarmTask(info);
  if (service)
    return checkError(
      `Can't tell, because ${name} is a task of the Swarm service ${service}: Swarm's restart_policy restarts it, not the container's.`,
      evidence,
    );
  if (!RESTARTING.includes(policy.Name ?? ""))
    return fail(`${name} has restart policy "${describe(policy)}": a crash leaves it down.`, evidence);
  if (!probe) return checkError("Can't tell, because the crash probe did not run.", evidence);
  evidence.push(
    {
      source: "probe: a copy with the same policy",
      field: "differences from the original",
      observed: probe.differences,
    },
    {
      source: `probe: the copy, made to crash with ${probe.crashEnv.join(" ")}`,
      field: "State.ExitCode",
      observed: probe.exitCode,
      expected: "≠ 0 (a crash)",
    },
    {
      source: "probe: GET /containers/{copy}/json",
      field: "RestartCount",
      observed: probe.restartCount,
      expected: "≥ 1 within the probe",
    },
  );
  if (probe.restartCount >= 1)
    return pass(
      `Policy ${describe(policy)}: a crashing copy was restarted ${probe.restartCount} time(s) in ${probe.seconds.toFixed(1)} s.`,
      evidence,
    );
  evidence.push({ source: "probe: the copy", field: "last lines", observed: probe.logTail });
  if (probe.stillRunning)
    return checkError(
      `Can't tell, because the copy did not crash with ${probe.crashEnv.join(" ")} within ${probe.seconds.toFixed(0)} s.`,
      evidence,
    );
  if (probe.exitCode === 0)
    return fail(
      `The crash exits 0 (something between Docker and the app swallows its exit code), so ${describe(policy)} does not restart it${policy.Name === "on-failure" ? "" : " as a failure"}.`,
      evidence,
    );
  return fail(
    `A crashing copy (exit ${probe.exitCode}) with policy ${describe(policy)} was not restarted within ${probe.seconds.toFixed(0)} s.`,
    evidence,
  );
}

export const restartPolicy = runtimeCheck({
  id: "container.restart",
  title: "Restart policy set, and a crash restarts",
  kind: "probe",
  watches: { objects: ["container"] },
  params: z
    .object({
      container: ContainerParam,
      crashEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=/)).default(["APP_PORT=invalid"]),
      waitSeconds: z.number().int().min(2).max(90).default(30),
    })
    .strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    const policy = info?.HostConfig.RestartPolicy?.Name ?? "";
    if (!info?.State.Running || !RESTARTING.includes(policy) || swarmTask(info))
      return { info, probe: undefined };
    const docker = await ctx.lab.engine("laptop");
    const started = performance.now();
    const run = await withClone(
      docker,
      info,
      {
        lab: ctx.lab.lab,
        check: "container.restart",
        name: `${p.container}-restart`,
        env: p.crashEnv,
        restart: true,
      },
      async (c) => {
        const after = await waitFor(c, (i) => i.RestartCount >= 1, p.waitSeconds * 1000, 200);
        // A copy that exited and will not come back ends the wait early: give a restart its 100 ms back-off.
        const i = after.RestartCount >= 1 ? after : await c.inspect();
        return {
          exitCode: i.State.ExitCode,
          restartCount: i.RestartCount,
          stillRunning: i.State.Running && i.RestartCount === 0 && i.State.ExitCode === 0,
          seconds: (performance.now() - started) / 1000,
          logTail: await logTail(c, 5),
        };
      },
    );
    const probe: CrashProbe = { ...run.result, crashEnv: p.crashEnv, differences: run.plan.differences };
    return { info, probe };
  },
  evaluate: (f, p) => evaluateRestart(p.container, f.info, f.probe),
});
