import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { collectImage, type ImageRecord } from "../../collectors/collect-image.ts";
import { type HealthcheckProbe, probeHealthcheck, vacuous } from "../../probes/healthcheck-control.ts";
import { IMAGE_SOURCE, ImageParam, noImage, ProbeEnvParam } from "./shared.ts";

const PROBE = "probe: POST /containers/{scratch}/exec";

export function evaluateHealthcheck(image: ImageRecord, probe: HealthcheckProbe | undefined): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const hc = image.inspect.Config.Healthcheck as { Test?: string[] } | undefined;
  const test = hc?.Test ?? [];
  const evidence: Evidence[] = [
    {
      source: IMAGE_SOURCE,
      field: "Config.Healthcheck.Test",
      observed: hc?.Test ?? null,
      expected: '["CMD", …] probing the app',
    },
  ];
  if (test.length === 0) return fail("The image declares no HEALTHCHECK.", evidence);
  if (test[0] === "NONE") return fail("The image turns its healthcheck off (HEALTHCHECK NONE).", evidence);
  const always = vacuous(test);
  if (always) return fail(`The HEALTHCHECK cannot fail: ${always}.`, evidence);
  if (!probe)
    return checkError(
      "Can't tell whether the HEALTHCHECK probes the app, because the probe did not run.",
      evidence,
    );
  if (probe.shell === false) {
    evidence.push({
      source: PROBE,
      field: "/bin/sh",
      observed: "absent",
      expected: "present for a CMD-SHELL test",
    });
    return fail(
      "The HEALTHCHECK is in shell form but the image has no /bin/sh: use the exec form.",
      evidence,
    );
  }
  if (probe.binary) {
    evidence.push({
      source: PROBE,
      field: `test program ${probe.binary.name}`,
      observed: probe.binary.path ?? "not in the image",
      expected: "present in the image",
    });
    if (probe.binary.path === null) {
      return fail(
        `The HEALTHCHECK runs ${probe.binary.name}, which is not in the image, so it always fails.`,
        evidence,
      );
    }
  }
  const neg = probe.negative;
  evidence.push({
    source: PROBE,
    field: "negative control: the test in a container of the image where the app is not started",
    observed:
      "skipped" in neg
        ? neg.skipped
        : `exit ${neg.code ?? "(timed out)"}${neg.output ? `: ${neg.output}` : ""}`,
    expected: "a non-zero exit",
  });
  const pos = probe.positive;
  evidence.push({
    source: PROBE,
    field: "the test while the app runs",
    observed: pos.success
      ? `exit 0 after ${pos.success.at.toFixed(1)} s`
      : pos.exited
        ? `the app stopped (exit ${pos.exited.code}): ${pos.exited.logs}`
        : pos.last
          ? `never exit 0; last exit ${pos.last.code ?? "(timed out)"}: ${pos.last.output}`
          : "not run",
    expected: "exit 0 once the app serves",
  });
  if (!("skipped" in neg) && neg.code === 0) {
    return fail(
      "The HEALTHCHECK succeeds even when the app is not running (negative control), so it does not probe the app.",
      evidence,
    );
  }
  if (pos.exited) {
    return checkError(
      `Can't tell whether the HEALTHCHECK passes when the app serves, because the app stopped at start (exit ${pos.exited.code}).`,
      evidence,
    );
  }
  if (!pos.success) {
    return fail(
      `The HEALTHCHECK never succeeded while the app ran (last exit ${pos.last?.code ?? "none"}): it probes the wrong thing, or the app does not serve.`,
      evidence,
    );
  }
  if ("skipped" in neg) {
    return checkError(
      `Can't tell whether the HEALTHCHECK fails when the app is down, because ${neg.skipped}.`,
      evidence,
    );
  }
  return pass(
    `HEALTHCHECK ${test.slice(1).join(" ").slice(0, 60)}… succeeds once the app serves (${pos.success.at.toFixed(1)} s) and fails when it does not (exit ${neg.code ?? "timeout"}).`,
    evidence,
  );
}

const Params = z
  .object({
    image: ImageParam,
    env: ProbeEnvParam,
    tmpfs: z.array(z.string().startsWith("/")).default([]),
    timeoutSeconds: z.number().int().min(5).max(120).default(60),
  })
  .strict();

export const healthcheck = defineCheck({
  id: "image.healthcheck",
  title: "HEALTHCHECK that probes the app",
  kind: "probe",
  watches: { objects: ["image"], images: (p: z.infer<typeof Params>) => [p.image] },
  params: Params,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    const test = (image.inspect?.Config.Healthcheck as { Test?: string[] } | undefined)?.Test ?? [];
    const probeable = image.inspect && test.length > 0 && test[0] !== "NONE" && !vacuous(test);
    return { image, probe: probeable ? await probeHealthcheck(ctx, image, p) : undefined };
  },
  evaluate: (f) => evaluateHealthcheck(f.image, f.probe),
});
