import type Docker from "dockerode";
import { z } from "zod";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { collectImage, type ImageRecord } from "../../collectors/collect-image.ts";
import {
  fastHealthcheck,
  type HealthConfig,
  healthTest,
  type IdleControl,
  idleControl,
} from "../../probes/healthcheck.ts";
import { logTail, type ScratchState, stateOf, waitFor, withScratch } from "../../probes/scratch.ts";
import { ImageParam, ProbeEnvParam } from "../image/shared.ts";
import { runtimeCheck } from "./define.ts";

/** One run of the image (read-only root, or the writable control). */
export interface ImageRun {
  state: ScratchState;
  seconds: number;
  logTail: string;
}

export interface ReadOnlyProbe {
  imageId: string;
  readOnly: ImageRun;
  /** The same run with a writable root: tells a read-only problem from any other. */
  writable: ImageRun;
  idle: IdleControl;
}

const HOST = "probe: POST /containers/create";

function runEvidence(label: string, run: ImageRun): Evidence[] {
  return [
    {
      source: `probe: the ${label} copy`,
      field: "State.Health.Status / Status / ExitCode",
      observed: `${run.state.Health?.Status ?? "none"} / ${run.state.Status} / ${run.state.ExitCode}`,
      expected: "healthy / running",
    },
    { source: `probe: the ${label} copy`, field: "seconds", observed: Number(run.seconds.toFixed(2)) },
  ];
}

/**
 * Healthy with a read-only root and tmpfs at the declared paths, judged against two controls run
 * at the same time: the same image with a writable root (a failure there is not read-only's
 * fault), and the probe in an idle copy (a probe that passes with no app proves nothing).
 */
export function evaluateReadOnly(
  image: ImageRecord,
  probe: ReadOnlyProbe | undefined,
  p: { tmpfs: string[]; timeoutSeconds: number },
): CheckOutcome {
  if (!image.inspect)
    return fail(`There is no image ${image.ref} on laptop.`, [
      {
        source: "laptop: GET /images/{name}/json",
        field: "(image)",
        observed: "404",
        expected: `${image.ref} built`,
      },
    ]);
  const hcEvidence: Evidence = {
    source: "laptop: GET /images/{name}/json",
    field: "Config.Healthcheck.Test",
    observed: (image.inspect.Config.Healthcheck as HealthConfig | undefined)?.Test ?? null,
    expected: "a HEALTHCHECK",
  };
  if (!probe)
    return checkError(
      "Can't tell whether it serves with a read-only root, because the image has no healthcheck.",
      [hcEvidence],
    );
  const evidence: Evidence[] = [
    hcEvidence,
    { source: HOST, field: "Image", observed: probe.imageId, expected: `the id ${image.ref} names now` },
    {
      source: HOST,
      field: "HostConfig",
      observed: { ReadonlyRootfs: true, Tmpfs: p.tmpfs },
      expected: "read-only root, tmpfs for scratch paths",
    },
    ...runEvidence("read-only", probe.readOnly),
    ...runEvidence("writable (control)", probe.writable),
    {
      source: "probe: an idle copy (sleep instead of the app)",
      field: "first probe",
      observed: probe.idle.probe ?? probe.idle.note,
      expected: "exit ≠ 0",
    },
  ];
  if (probe.idle.probe?.ExitCode === 0)
    return checkError(
      "Can't tell whether it serves with a read-only root, because its healthcheck passes even with the app not running.",
      evidence,
    );
  const ro = probe.readOnly;
  if (ro.state.Health?.Status === "healthy")
    return pass(
      `Healthy in ${ro.seconds.toFixed(1)} s with a read-only root filesystem and a tmpfs at ${p.tmpfs.join(", ") || "(none)"}.`,
      evidence,
    );
  evidence.push({ source: "probe: the read-only copy", field: "last lines", observed: ro.logTail });
  if (probe.writable.state.Health?.Status !== "healthy") {
    evidence.push({
      source: "probe: the writable copy",
      field: "last lines",
      observed: probe.writable.logTail,
    });
    return checkError(
      `Can't tell, because the image is not healthy with a writable root either (${probe.writable.state.Status}, exit ${probe.writable.state.ExitCode}): the problem is not the read-only root.`,
      evidence,
    );
  }
  if (!ro.state.Running)
    return fail(
      `With a read-only root filesystem the container exited (code ${ro.state.ExitCode}); with a writable root it is healthy.`,
      evidence,
    );
  return fail(
    `Not healthy within ${p.timeoutSeconds} s with a read-only root filesystem; with a writable root it is healthy.`,
    evidence,
  );
}

const Params = z
  .object({
    image: ImageParam,
    env: ProbeEnvParam,
    tmpfs: z.array(z.string().startsWith("/")).default(["/tmp"]),
    // 60 s: the app's first healthy probe took over 30 s on a loaded 2-core host (both copies at once).
    timeoutSeconds: z.number().int().min(5).max(120).default(60),
  })
  .strict();

export const readOnlyReady = runtimeCheck({
  id: "image.readonly.healthy",
  title: "Runs healthy with --read-only and a tmpfs",
  kind: "probe",
  watches: { objects: ["image"], images: (p: z.infer<typeof Params>) => [p.image] },
  params: Params,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    const hc = image.inspect?.Config.Healthcheck as HealthConfig | undefined;
    const fast = fastHealthcheck(hc, { startSeconds: p.timeoutSeconds });
    if (!image.inspect || !fast || !healthTest(hc)) return { image, probe: undefined };
    const docker = await ctx.lab.engine("laptop");
    const imageId = image.inspect.Id;
    const base: Docker.ContainerCreateOptions = {
      Image: imageId,
      Env: Object.entries(p.env).map(([k, v]) => `${k}=${v}`),
      Healthcheck: fast,
      HostConfig: { NetworkMode: "none" },
    };
    const tmpfs = Object.fromEntries(p.tmpfs.map((t) => [t, "rw,nosuid,nodev,size=64m"]));
    let roHealthy = false;
    const one = (label: string, readOnly: boolean) =>
      withScratch(
        docker,
        {
          lab: ctx.lab.lab,
          check: "image.readonly.healthy",
          name: `readonly-${label}`,
          spec: {
            ...base,
            HostConfig: {
              ...base.HostConfig,
              ReadonlyRootfs: readOnly,
              ...(readOnly ? { Tmpfs: tmpfs } : {}),
            },
          },
        },
        async (c): Promise<ImageRun> => {
          const t0 = performance.now();
          // The control may stop early once the read-only copy is healthy: then it is not needed.
          const info = await waitFor(
            c,
            (i) => i.State.Health?.Status === "healthy" || (!readOnly && roHealthy),
            p.timeoutSeconds * 1000,
            250,
          );
          if (readOnly && info.State.Health?.Status === "healthy") roHealthy = true;
          return {
            state: stateOf(info),
            seconds: (performance.now() - t0) / 1000,
            logTail: await logTail(c),
          };
        },
      );
    const [readOnly, writable, idle] = await Promise.all([
      one("ro", true),
      one("rw", false),
      idleControl(docker, base, hc as HealthConfig, {
        lab: ctx.lab.lab,
        check: "image.readonly.healthy",
        name: "readonly",
      }),
    ]);
    return { image, probe: { imageId, readOnly, writable, idle } };
  },
  evaluate: (f, p) => evaluateReadOnly(f.image, f.probe, p),
});
