import { readdir } from "node:fs/promises";
import { dirname, join, normalize } from "node:path";
import type { CheckContext } from "../check-definition.ts";
import { type BuiltStage, identifyStage } from "../parsers/built-stage.ts";
import type { DockerfileModel } from "../parsers/dockerfile-model.ts";
import { collectDockerfile, collectImage, type DockerfileRecord, type ImageRecord } from "./collect-image.ts";

/** The learner's Dockerfile, the image built from it, and the build context's file names. */
export interface DockerfileBuild {
  dockerfile: DockerfileRecord;
  image: ImageRecord;
  /** Paths in the build context (the Dockerfile's folder), relative, `/`-separated; dirs end in `/`. */
  context: string[];
}

const SKIP = new Set(["node_modules", ".git", ".npm-cache", "dist"]);

async function listContext(root: string, depth = 3, limit = 3000): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string, level: number) => {
    if (out.length >= limit) return;
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${path}/`);
        if (level < depth && !SKIP.has(e.name)) await walk(path, level + 1);
      } else out.push(path);
    }
  };
  await walk("", 1);
  return out.sort();
}

export function collectDockerfileBuild(
  ctx: CheckContext,
  dockerfile: string,
  image: string,
): Promise<DockerfileBuild> {
  return ctx.memo(`dockerfile-build:${dockerfile}:${image}`, async () => {
    const [record, img] = await Promise.all([collectDockerfile(ctx, dockerfile), collectImage(ctx, image)]);
    const root = join(ctx.lab.workspace, dirname(normalize(dockerfile)));
    const context = record.found ? await listContext(root) : [];
    return { dockerfile: record, image: img, context };
  });
}

/**
 * The stage to judge: the one the image was built from when its history tells, the last
 * stage (what a plain `docker build` builds) when there is no image yet.
 */
export function targetStage(model: DockerfileModel, image: ImageRecord): BuiltStage {
  const last = model.stages.at(-1);
  if (!last) return { stage: null, reason: "the Dockerfile has no FROM" };
  if (!image.inspect || !image.history) {
    return {
      stage: last,
      via: `there is no image ${image.ref} yet, so the last stage (what docker build builds)`,
    };
  }
  return identifyStage(
    model,
    image.history.map((h) => h.CreatedBy),
  );
}
