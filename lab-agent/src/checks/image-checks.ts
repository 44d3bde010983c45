import { posix } from "node:path";
import { z } from "zod";
import { type CheckContext, defineCheck } from "./check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "./check-result.ts";
import {
  collectDockerfile,
  collectImage,
  collectImageFiles,
  type DockerfileRecord,
  type ImageFiles,
  type ImageRecord,
} from "./collect-image.ts";
import { type DockerfileModel, operands, stageRef } from "./dockerfile-model.ts";
import { inspectImage } from "./engine-reads.ts";
import { scanEnv, scanHistory } from "./secret-scan.ts";
import { parseImageRef } from "./spec-parsers.ts";
import { resolveUser } from "./user-resolution.ts";

const ImageParam = z.string().min(1).default("registry:5000/reg-case-platform:dev");
const DockerfileParam = z.string().min(1).default("reg-case-platform/Dockerfile");
const IMAGE_SOURCE = "laptop: GET /images/{name}/json";

function noImage(image: ImageRecord): CheckOutcome {
  return fail(`There is no image ${image.ref} on laptop.`, [
    { source: IMAGE_SOURCE, field: "(image)", observed: "404 no such image", expected: `${image.ref} built` },
  ]);
}

function noDockerfile(record: Extract<DockerfileRecord, { found: false }>): CheckOutcome {
  return fail(`${record.path}: ${record.reason}.`, [
    { source: record.path, field: "(file)", observed: record.reason, expected: "your Dockerfile" },
  ]);
}

// ---- dockerfile-multi-stage -------------------------------------------------------------

export function evaluateMultiStage(model: DockerfileModel): CheckOutcome {
  const src = model.path;
  const final = model.stages.at(-1);
  const evidence: Evidence[] = [
    {
      source: src,
      field: "FROM",
      observed: model.stages.map((s) => `line ${s.line}: FROM ${s.image}${s.name ? ` AS ${s.name}` : ""}`),
      expected: "a build stage and a runtime stage",
    },
  ];
  if (!final || model.stages.length < 2) {
    return fail(
      `${src} has ${model.stages.length} stage(s); it needs a build stage and a runtime stage.`,
      evidence,
    );
  }
  const copies = final.instructions.filter((i) => i.keyword === "COPY" && i.flags.from);
  const fromEarlier = copies.filter((c) => stageRef(model, c.flags.from ?? "", final.index));
  evidence.push({
    source: src,
    field: `stage ${final.name ?? final.index} COPY --from`,
    observed: copies.map((c) => `line ${c.line}: ${c.text}`),
    expected: "the runtime stage copies its artifact from an earlier stage",
  });
  // FROM <earlier stage> makes the runtime inherit the whole build environment.
  if (final.image && stageRef(model, final.image, final.index)) {
    return fail(
      `The runtime stage starts FROM the stage "${final.image}", so it keeps everything built there.`,
      evidence,
    );
  }
  if (fromEarlier.length === 0) {
    return fail("The runtime stage copies nothing from an earlier stage.", evidence);
  }
  return pass(
    `${model.stages.length} stages; the runtime stage copies ${fromEarlier.length} artifact(s) from earlier stages.`,
    evidence,
  );
}

export const multiStage = defineCheck({
  id: "dockerfile.multistage",
  title: "Multi-stage Dockerfile",
  kind: "snapshot",
  watches: { objects: [], files: (p) => [p.dockerfile] },
  params: z.object({ dockerfile: DockerfileParam }).strict(),
  collect: (ctx, p) => collectDockerfile(ctx, p.dockerfile),
  evaluate: (record) => (record.found ? evaluateMultiStage(record.model) : noDockerfile(record)),
});

// ---- build-cache-ordered ------------------------------------------------------------------

const INSTALL = /\b(npm\s+(ci|install|i)|yarn(\s+install)?|pnpm\s+(install|i))\b/;

export function evaluateCacheOrder(model: DockerfileModel, manifests: readonly string[]): CheckOutcome {
  const src = model.path;
  const evidence: Evidence[] = [];
  let installs = 0;
  for (const stage of model.stages) {
    const at = stage.instructions.findIndex((i) => i.keyword === "RUN" && INSTALL.test(i.text));
    if (at < 0) continue;
    installs++;
    const install = stage.instructions[at];
    const before = stage.instructions.slice(0, at).filter((i) => i.keyword === "COPY" || i.keyword === "ADD");
    const fromContext = before.filter((i) => !i.flags.from);
    const sources = fromContext.flatMap((i) =>
      operands(i)
        .slice(0, -1)
        .map((s) => ({ s, line: i.line })),
    );
    const extra = sources.filter(({ s }) => !manifests.includes(posix.basename(s.replace(/\/$/, ""))));
    evidence.push({
      source: src,
      field: `stage ${stage.name ?? stage.index}: copied before line ${install?.line} (${install?.text})`,
      observed: sources.map(({ s, line }) => `line ${line}: ${s}`),
      expected: `only dependency manifests (${manifests.join(", ")})`,
    });
    if (extra.length > 0) {
      return fail(
        `Line ${extra[0]?.line} copies ${extra.map((e) => e.s).join(", ")} before the dependency install at line ${install?.line}: every source change reinstalls everything.`,
        evidence,
      );
    }
    if (sources.length === 0 && !before.some((i) => i.flags.from)) {
      return fail(`The install at line ${install?.line} runs before any manifest is copied.`, evidence);
    }
  }
  if (installs === 0) {
    return fail("No dependency install step (npm ci, npm install, yarn, pnpm install) was found.", [
      {
        source: src,
        field: "RUN",
        observed: "no install step",
        expected: "RUN npm ci after copying the manifests",
      },
    ]);
  }
  return pass(
    `Dependencies are installed from the manifests alone, before any source is copied (${installs} stage(s)).`,
    evidence,
  );
}

export const cacheOrder = defineCheck({
  id: "dockerfile.cache-order",
  title: "Dependency layers before sources",
  kind: "snapshot",
  watches: { objects: [], files: (p) => [p.dockerfile] },
  params: z
    .object({
      dockerfile: DockerfileParam,
      manifests: z
        .array(z.string().min(1))
        .default([
          "package.json",
          "package-lock.json",
          "npm-shrinkwrap.json",
          ".npmrc",
          "yarn.lock",
          "pnpm-lock.yaml",
        ]),
    })
    .strict(),
  collect: (ctx, p) => collectDockerfile(ctx, p.dockerfile),
  evaluate: (record, p) =>
    record.found ? evaluateCacheOrder(record.model, p.manifests) : noDockerfile(record),
});

// ---- image-non-root -----------------------------------------------------------------------

export function evaluateNonRoot(
  image: ImageRecord,
  files: Pick<ImageFiles, "passwd" | "group"> | undefined,
): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const raw = image.inspect.Config.User ?? "";
  const user = resolveUser(raw, files?.passwd ?? null, files?.group ?? null);
  const evidence: Evidence[] = [
    {
      source: IMAGE_SOURCE,
      field: "Config.User",
      observed: raw,
      expected: "a non-root user, e.g. node or 65532",
    },
    { source: `${image.ref}:/etc/passwd`, field: "resolved uid", observed: user.uid, expected: "≠ 0" },
    { source: `${image.ref}:/etc/passwd`, field: "resolved via", observed: user.problem ?? user.via },
  ];
  if (user.uid === null) return fail(`Config.User "${raw}" cannot be resolved: ${user.problem}.`, evidence);
  if (user.uid === 0) return fail(`The image runs as root (Config.User "${raw}" is uid 0).`, evidence);
  return pass(
    `The image runs as uid ${user.uid}${user.gid !== null ? `, gid ${user.gid}` : ""} (Config.User "${raw}").`,
    evidence,
  );
}

export const nonRoot = defineCheck({
  id: "image.user.nonroot",
  title: "Non-root default user",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p) => [p.image] },
  params: z.object({ image: ImageParam }).strict(),
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    const files = image.inspect
      ? await collectImageFiles(ctx, p.image, { paths: [], emptyDirs: [] })
      : undefined;
    return { image, files };
  },
  evaluate: (f) => evaluateNonRoot(f.image, f.files),
});

// ---- image-oci-labels ---------------------------------------------------------------------

export function evaluateOciLabels(
  image: ImageRecord,
  base: { ref: string; labels: Record<string, string> } | undefined,
  required: readonly string[],
): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const labels = image.inspect.Config.Labels ?? {};
  const evidence: Evidence[] = [];
  const missing: string[] = [];
  for (const key of required) {
    const value = labels[key];
    const inherited = value !== undefined && base?.labels[key] === value;
    evidence.push({
      source: IMAGE_SOURCE,
      field: `Config.Labels["${key}"]`,
      observed: value ?? null,
      expected: inherited
        ? `your own value (this one is inherited from ${base?.ref})`
        : "set by your Dockerfile",
    });
    if (!value || inherited) missing.push(key);
    else if (key.endsWith(".source") && !/^(https?|git|ssh):\/\/\S+$/.test(value))
      missing.push(`${key} (not a URL)`);
  }
  if (missing.length > 0) return fail(`Missing or inherited OCI labels: ${missing.join(", ")}.`, evidence);
  return pass(`The image carries its own ${required.join(", ")}.`, evidence);
}

export const ociLabels = defineCheck({
  id: "image.labels.oci",
  title: "OCI labels",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p) => [p.image], files: (p) => [p.dockerfile] },
  params: z
    .object({
      image: ImageParam,
      dockerfile: DockerfileParam,
      required: z
        .array(z.string().regex(/^[a-z0-9.-]+$/))
        .min(1)
        .default(["org.opencontainers.image.title", "org.opencontainers.image.source"]),
    })
    .strict(),
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    // Labels are inherited: compare with the runtime stage's base image, when laptop has it.
    const dockerfile = await collectDockerfile(ctx, p.dockerfile);
    const baseRef = dockerfile.found ? dockerfile.model.stages.at(-1)?.image : undefined;
    const base = baseRef ? await baseLabels(ctx, baseRef) : undefined;
    return { image, base };
  },
  evaluate: (f, p) => evaluateOciLabels(f.image, f.base, p.required),
});

/**
 * The base image's labels: from laptop's engine when it has the image, else from the lab
 * registry (BuildKit pulls bases into its own store, not the engine's image list).
 */
async function baseLabels(
  ctx: CheckContext,
  ref: string,
): Promise<{ ref: string; labels: Record<string, string> } | undefined> {
  const local = await inspectImage(await ctx.lab.engine("laptop"), ref);
  if (local) return { ref, labels: local.Config.Labels ?? {} };
  const { name, tag, digest } = parseImageRef(ref);
  const inLab = name.startsWith("registry:5000/");
  const repo = inLab ? name.slice("registry:5000/".length) : name.includes("/") ? name : `library/${name}`;
  if (!inLab && /^[^/]+[.:][^/]*\//.test(name)) return undefined; // another registry: not reachable offline
  const config = await (await ctx.lab.registry())
    .imageConfig(repo, digest ?? tag ?? "latest")
    .catch(() => undefined);
  return config ? { ref, labels: config.config?.Labels ?? {} } : undefined;
}

// ---- image-healthcheck --------------------------------------------------------------------

export function evaluateHealthcheck(image: ImageRecord): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const hc = image.inspect.Config.Healthcheck as { Test?: string[]; Interval?: number } | undefined;
  const evidence: Evidence[] = [
    {
      source: IMAGE_SOURCE,
      field: "Config.Healthcheck.Test",
      observed: hc?.Test ?? null,
      expected: '["CMD", …] probing the app',
    },
  ];
  if (!hc?.Test || hc.Test.length === 0) return fail("The image declares no HEALTHCHECK.", evidence);
  if (hc.Test[0] === "NONE") return fail("The image turns its healthcheck off (HEALTHCHECK NONE).", evidence);
  return pass(`HEALTHCHECK ${hc.Test.slice(1).join(" ").slice(0, 80)}`, evidence);
}

export const healthcheck = defineCheck({
  id: "image.healthcheck",
  title: "HEALTHCHECK defined",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p) => [p.image] },
  params: z.object({ image: ImageParam }).strict(),
  collect: async (ctx, p) => collectImage(ctx, p.image),
  evaluate: (image) => evaluateHealthcheck(image),
});

// ---- runtime-image-lean -------------------------------------------------------------------

const LeanParams = z
  .object({
    image: ImageParam,
    /** Runtime artifact, relative to the image's WorkingDir: proves we look at the right image. */
    artifact: z.string().min(1).default("dist/main.js"),
    /** Build tools, absolute or relative to WorkingDir. */
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
    /** Caches that must be empty or absent. */
    caches: z
      .array(z.string().min(1))
      .default([
        "/root/.npm/_cacache",
        "/home/node/.npm/_cacache",
        "/var/lib/apt/lists",
        "/var/cache/apt/archives",
        "/usr/local/share/.cache/yarn",
      ]),
  })
  .strict();

export function evaluateLean(
  image: ImageRecord,
  files: ImageFiles | undefined,
  p: { artifact: string; forbidden: string[]; caches: string[] },
): CheckOutcome {
  if (!image.inspect || !files) return noImage(image);
  const workdir = image.inspect.Config.WorkingDir || "/";
  const abs = (x: string) => (x.startsWith("/") ? x : posix.join(workdir, x));
  const artifact = abs(p.artifact);
  const src = `${image.ref}: GET /containers/{scratch}/archive`;
  const tools = p.forbidden.map(abs).filter((x) => files.present[x]);
  const caches = p.caches.filter((d) => files.nonEmpty[d]?.match);
  const evidence: Evidence[] = [
    {
      source: src,
      field: artifact,
      observed: files.present[artifact] ? "present" : "absent",
      expected: "present (the runtime artifact)",
    },
    {
      source: src,
      field: "build tools",
      observed: p.forbidden.map((x) => `${abs(x)}: ${files.present[abs(x)] ? "present" : "absent"}`),
      expected: "all absent",
    },
    {
      source: src,
      field: "caches",
      observed: p.caches.map(
        (d) =>
          `${d}: ${files.nonEmpty[d]?.match ? `holds ${files.nonEmpty[d]?.match}` : files.nonEmpty[d]?.exists ? "empty" : "absent"}`,
      ),
      expected: "absent or empty",
    },
  ];
  if (!files.present[artifact])
    return fail(`${artifact} is not in the image: is this the runtime image of the app?`, evidence);
  if (tools.length > 0)
    return fail(`The runtime image still holds build tools: ${tools.join(", ")}.`, evidence);
  if (caches.length > 0)
    return fail(`The runtime image keeps package caches: ${caches.join(", ")}.`, evidence);
  return pass(
    `The runtime image holds ${p.artifact} and no build tools or package caches (${p.forbidden.length + p.caches.length} places looked at).`,
    evidence,
  );
}

export const runtimeLean = defineCheck({
  id: "image.runtime.lean",
  title: "No compilers or package caches in the runtime image",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p) => [p.image] },
  params: LeanParams,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    if (!image.inspect) return { image, files: undefined };
    const workdir = image.inspect.Config.WorkingDir || "/";
    const paths = [p.artifact, ...p.forbidden].map((x) => (x.startsWith("/") ? x : posix.join(workdir, x)));
    return { image, files: await collectImageFiles(ctx, p.image, { paths, emptyDirs: p.caches }) };
  },
  evaluate: (f, p) => evaluateLean(f.image, f.files, p),
});

// ---- no-secrets-in-image ------------------------------------------------------------------

export function evaluateNoSecrets(image: ImageRecord): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const env = image.inspect.Config.Env ?? [];
  const history = (image.history ?? []).map((h) => h.CreatedBy);
  const findings = [...scanEnv(env, "Config.Env"), ...scanHistory(history)];
  const evidence: Evidence[] = [
    {
      source: IMAGE_SOURCE,
      field: "Config.Env keys",
      observed: env.map((e) => e.split("=")[0]),
      expected: "no secret-looking value",
    },
    {
      source: "laptop: GET /images/{name}/history",
      field: "CreatedBy (ARG, ENV, RUN |N …)",
      observed: `${history.length} entries scanned`,
      expected: "no secret-looking value",
    },
    ...findings.map((f) => ({
      source: f.where,
      field: f.key,
      observed: f.masked,
      expected: "no value baked into the image",
    })),
  ];
  if (findings.length > 0) {
    return fail(
      `Secret-looking values are baked into the image: ${findings.map((f) => `${f.key} (${f.where})`).join(", ")}.`,
      evidence,
    );
  }
  return pass(
    `${env.length} ENV entries and ${history.length} history entries hold no secret-looking value.`,
    evidence,
  );
}

export const noSecrets = defineCheck({
  id: "image.secrets.none",
  title: "No secrets in ENV, ARG or history",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p) => [p.image] },
  params: z.object({ image: ImageParam }).strict(),
  collect: async (ctx, p) => collectImage(ctx, p.image),
  evaluate: (image) => evaluateNoSecrets(image),
});
