import { posix } from "node:path";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { collectImage, type ImageRecord } from "../../collectors/collect-image.ts";
import { collectLeanFacts, type LeanFacts } from "../../collectors/image-lean.ts";
import { ImageParam, noImage } from "./shared.ts";

const Params = z
  .object({
    image: ImageParam,
    /** Runtime artifact, relative to WorkingDir, when ENTRYPOINT/CMD do not name one. */
    artifact: z.string().min(1).default("dist/main.js"),
    /** Build tools, absolute or relative to the app's folder; dev dependencies come from its package.json. */
    forbidden: z
      .array(z.string().min(1))
      .default([
        "/usr/bin/gcc",
        "/usr/bin/g++",
        "/usr/bin/cc",
        "/usr/bin/make",
        "node_modules/typescript",
        "node_modules/.bin/tsc",
      ]),
    /** Caches that must be empty or absent (the image user's home caches are added). */
    caches: z
      .array(z.string().min(1))
      .default([
        "/root/.npm/_cacache",
        "/var/lib/apt/lists",
        "/var/cache/apt/archives",
        "/usr/local/share/.cache/yarn",
        "/root/.cache/yarn",
      ]),
  })
  .strict();

export function evaluateLean(image: ImageRecord, facts: LeanFacts | undefined): CheckOutcome {
  if (!image.inspect || !facts) return noImage(image);
  const src = `${image.ref}: GET /containers/{scratch}/archive`;
  const appRoot = facts.manifest ? posix.dirname(facts.manifest.path) : facts.workdir;
  const dev = (facts.manifest?.devDependencies ?? []).map((d) => posix.join(appRoot, "node_modules", d));
  const devShipped = dev.filter((x) => facts.present[x]);
  const tools = Object.keys(facts.present).filter(
    (x) => x !== facts.artifact.path && !dev.includes(x) && facts.present[x],
  );
  const caches = Object.entries(facts.caches).filter(([, c]) => c.match);
  const evidence: Evidence[] = [
    {
      source: src,
      field: facts.artifact.path,
      observed: facts.present[facts.artifact.path] ? "present" : "absent",
      expected: `present (the runtime artifact, ${facts.artifact.how})`,
    },
    {
      source: src,
      field: facts.manifest ? `devDependencies of ${facts.manifest.path}` : "package.json",
      observed: facts.manifest
        ? dev.map((x) => `${x}: ${facts.present[x] ? "present" : "absent"}`)
        : "no package.json beside the app: dev dependencies judged by the list of build tools only",
      expected: "none in node_modules",
    },
    {
      source: src,
      field: "build tools",
      observed: Object.keys(facts.present)
        .filter((x) => x !== facts.artifact.path && !dev.includes(x))
        .map((x) => `${x}: ${facts.present[x] ? "present" : "absent"}`),
      expected: "all absent",
    },
    {
      source: src,
      field: "caches",
      observed: Object.entries(facts.caches).map(
        ([d, c]) => `${d}: ${c.match ? `holds ${c.match}` : c.exists ? "empty" : "absent"}`,
      ),
      expected: "absent or empty",
    },
  ];
  if (!facts.present[facts.artifact.path]) {
    return fail(
      `${facts.artifact.path} is not in the image: is this the runtime image of the app?`,
      evidence,
    );
  }
  if (devShipped.length > 0) {
    return fail(
      `The runtime image ships dev dependencies: ${devShipped.map((x) => x.slice(x.lastIndexOf("node_modules/") + "node_modules/".length)).join(", ")} (npm prune --omit=dev or npm ci --omit=dev).`,
      evidence,
    );
  }
  if (tools.length > 0)
    return fail(`The runtime image still holds build tools: ${tools.join(", ")}.`, evidence);
  if (caches.length > 0)
    return fail(`The runtime image keeps package caches: ${caches.map(([d]) => d).join(", ")}.`, evidence);
  return pass(
    `The runtime image holds ${facts.artifact.path}, none of its ${dev.length} dev dependencies, no build tools and no package caches.`,
    evidence,
  );
}

export const runtimeLean = defineCheck({
  id: "image.runtime.lean",
  title: "No compilers, dev dependencies or package caches in the runtime image",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p: z.infer<typeof Params>) => [p.image] },
  params: Params,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    return { image, facts: image.inspect ? await collectLeanFacts(ctx, image, p) : undefined };
  },
  evaluate: (f) => evaluateLean(f.image, f.facts),
});
