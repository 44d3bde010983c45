import type Docker from "dockerode";
import type { LabId } from "../../lab/lab-names.ts";
import { type Health, logTail, stateOf, waitFor, withScratch } from "./scratch.ts";

export type HealthConfig = {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
};

export function healthTest(hc: HealthConfig | undefined | null): string[] | undefined {
  const test = hc?.Test;
  if (!test || test.length === 0 || test[0] === "NONE") return undefined;
  return test;
}

/**
 * The same probe, run every second so a probe sees a verdict in seconds: the original's own
 * timeout (5 to 10 s), failures during `startSeconds` not counted.
 */
export function fastHealthcheck(
  hc: HealthConfig | undefined | null,
  opts: { startSeconds: number; retries?: number },
): Docker.ContainerCreateOptions["Healthcheck"] | undefined {
  const test = healthTest(hc);
  if (!test) return undefined;
  // At least 5 s (a copy starts beside the original on a busy machine), at most 10 s.
  const timeout = Math.max(Math.min(hc?.Timeout && hc.Timeout > 0 ? hc.Timeout : 3e9, 10e9), 5e9);
  return {
    Test: test,
    Interval: 1e9,
    Timeout: timeout,
    Retries: opts.retries ?? 3,
    StartPeriod: opts.startSeconds * 1e9,
  };
}

/** A probe whose program is not in the image: exec form ("executable file not found") or a shell's 127. */
export function missingProgram(entry: { ExitCode: number; Output: string } | undefined): boolean {
  if (!entry) return false;
  return /executable file not found|no such file or directory|: not found|command not found|ENOENT/i.test(
    entry.Output,
  );
}

export interface IdleControl {
  /** Whether the idle copy ran at all (`sleep` must be in the image). */
  ran: boolean;
  /** Its first probe, with the app not running. */
  probe?: { ExitCode: number; Output: string };
  status?: string;
  note: string;
}

/**
 * The negative control of a healthcheck: the same image, settings and probe in a copy whose
 * process is `sleep` instead of the app. A probe that passes there does not test the app
 * (it always succeeds, `|| exit 0`, or it asks another container).
 */
export async function idleControl(
  docker: Docker,
  spec: Docker.ContainerCreateOptions,
  hc: HealthConfig,
  opts: { lab: LabId; check: string; name: string; prepare?: (c: Docker.Container) => Promise<void> },
): Promise<IdleControl> {
  const fast = fastHealthcheck(hc, { startSeconds: 0, retries: 1 });
  if (!fast) return { ran: false, note: "no healthcheck" };
  const waitMs = (fast.Timeout ?? 3e9) / 1e6 + 6_000;
  try {
    return await withScratch(
      docker,
      {
        lab: opts.lab,
        check: opts.check,
        name: `${opts.name}-idle`,
        spec: {
          ...spec,
          Entrypoint: ["sleep"],
          Cmd: ["3600"],
          Healthcheck: fast,
          HostConfig: { ...(spec.HostConfig ?? {}), RestartPolicy: { Name: "no" } },
        },
        ...(opts.prepare ? { prepare: opts.prepare } : {}),
      },
      async (c) => {
        const info = await waitFor(
          c,
          (i) => ((i.State.Health as Health | undefined)?.Log?.length ?? 0) > 0,
          waitMs,
          250,
        );
        const state = stateOf(info);
        const probe = state.Health?.Log?.[0];
        if (!probe) {
          return {
            ran: state.Running,
            status: state.Status,
            note: state.Running
              ? `no probe result within ${(waitMs / 1000).toFixed(0)} s`
              : `the idle copy stopped (exit ${state.ExitCode}): ${await logTail(c, 3)}`,
          };
        }
        return {
          ran: true,
          probe: { ExitCode: probe.ExitCode, Output: probe.Output.trim().slice(0, 200) },
          ...(state.Health?.Status ? { status: state.Health.Status } : {}),
          note: "sleep instead of the app",
        };
      },
    );
  } catch (err) {
    // Most often: the image has no sleep (distroless), so the idle copy cannot start.
    return { ran: false, note: `the idle copy did not start: ${(err as Error).message.slice(0, 160)}` };
  }
}
