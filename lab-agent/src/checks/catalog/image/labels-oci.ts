import { z } from "zod";
import type { CheckContext } from "../../check-definition.ts";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import { collectDockerfileBuild, targetStage } from "../../collectors/dockerfile-build.ts";
import { inspectImage } from "../../engine-reads.ts";
import { baseImageOf } from "../../parsers/dockerfile-model.ts";
import { parseImageRef } from "../../parsers/spec-parsers.ts";
import { DockerfileParam, dockerfileWatches, IMAGE_SOURCE, ImageParam, noImage } from "./shared.ts";

export type BaseLabels =
  | { ref: string; labels: Record<string, string> }
  | { ref: string | null; reason: string };

const PLACEHOLDER = /<[^>]*>|\b(TODO|FIXME|TBD|changeme|CHANGEME|xxx)\b|^\.\.\.$|^-$/;
const URL = /^(https?|git|ssh):\/\/[^\s/]+\/\S+$|^git@[^\s:]+:\S+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function badValue(key: string, value: string): string | null {
  if (value.trim() === "") return "empty";
  if (PLACEHOLDER.test(value)) return "a placeholder";
  if ((key.endsWith(".source") || key.endsWith(".url")) && !URL.test(value)) return "not a repository URL";
  if (key.endsWith(".created") && !RFC3339.test(value)) return "not an RFC 3339 date";
  return null;
}

export function evaluateOciLabels(
  image: ImageRecord,
  base: BaseLabels,
  required: readonly string[],
): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const labels = image.inspect.Config.Labels ?? {};
  const evidence: Evidence[] = [
    {
      source: "laptop: base image of the built stage",
      field: "base image",
      observed:
        "labels" in base
          ? `${base.ref} (${Object.keys(base.labels).length} labels)`
          : `${base.ref ?? "unknown"}: ${base.reason}`,
    },
  ];
  const missing: string[] = [];
  let unknown = false;
  for (const key of required) {
    const value = labels[key];
    const inherited = value !== undefined && "labels" in base && base.labels[key] === value;
    const problem =
      value === undefined ? "missing" : inherited ? `inherited from ${base.ref}` : badValue(key, value);
    if (value !== undefined && !problem && !("labels" in base)) unknown = true;
    evidence.push({
      source: IMAGE_SOURCE,
      field: `Config.Labels["${key}"]`,
      observed: value ?? null,
      expected: problem ? `your own value (this one is ${problem})` : "set by your Dockerfile",
    });
    if (problem) missing.push(`${key} (${problem})`);
  }
  if (missing.length > 0) return fail(`OCI labels missing or not your own: ${missing.join(", ")}.`, evidence);
  if (unknown && !("labels" in base)) {
    return checkError(
      `Can't tell whether ${required.join(", ")} are your own or inherited, because ${base.reason}.`,
      evidence,
    );
  }
  return pass(
    `The image carries its own ${required.map((k) => `${k}="${labels[k]}"`).join(", ")}.`,
    evidence,
  );
}

/**
 * The base image's labels: from laptop's engine when it has the image, else from the lab
 * registry (BuildKit pulls bases into its own store, not the engine's image list).
 */
async function baseLabels(ctx: CheckContext, ref: string): Promise<BaseLabels> {
  if (ref === "scratch") return { ref, labels: {} };
  const local = await inspectImage(await ctx.lab.engine("laptop"), ref);
  if (local) return { ref, labels: local.Config.Labels ?? {} };
  const { name, tag, digest } = parseImageRef(ref);
  const inLab = name.startsWith("registry:5000/");
  if (!inLab && /^[^/]+[.:][^/]*\//.test(name)) {
    return { ref, reason: `its base image ${ref} is in another registry, which the lab cannot reach` };
  }
  const repo = inLab ? name.slice("registry:5000/".length) : name.includes("/") ? name : `library/${name}`;
  const config = await (await ctx.lab.registry())
    .imageConfig(repo, digest ?? tag ?? "latest")
    .catch(() => undefined);
  return config
    ? { ref, labels: config.config?.Labels ?? {} }
    : { ref, reason: `its base image ${ref} is neither on laptop nor in the lab registry` };
}

const Params = z
  .object({
    image: ImageParam,
    dockerfile: DockerfileParam,
    required: z
      .array(z.string().regex(/^[a-z0-9.-]+$/))
      .min(1)
      .default(["org.opencontainers.image.title", "org.opencontainers.image.source"]),
  })
  .strict();

export const ociLabels = defineCheck({
  id: "image.labels.oci",
  title: "OCI labels",
  kind: "snapshot",
  watches: dockerfileWatches<z.infer<typeof Params>>(),
  params: Params,
  async collect(ctx, p) {
    const build = await collectDockerfileBuild(ctx, p.dockerfile, p.image);
    if (!build.image.inspect)
      return { image: build.image, base: { ref: null, reason: "no image" } as BaseLabels };
    if (!build.dockerfile.found) {
      return {
        image: build.image,
        base: {
          ref: null,
          reason: `${build.dockerfile.path}: ${build.dockerfile.reason}, so its base image is unknown`,
        } as BaseLabels,
      };
    }
    const model = build.dockerfile.model;
    const target = targetStage(model, build.image);
    if (!target.stage)
      return { image: build.image, base: { ref: null, reason: target.reason } as BaseLabels };
    const ref = baseImageOf(model, target.stage);
    if (!ref)
      return {
        image: build.image,
        base: { ref: null, reason: "the stage's FROM uses an ARG with no default" } as BaseLabels,
      };
    return { image: build.image, base: await baseLabels(ctx, ref) };
  },
  evaluate: (f, p) => evaluateOciLabels(f.image, f.base, p.required),
});
