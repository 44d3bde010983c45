import { z } from "zod";
import type { CheckWatches } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail } from "../../check-result.ts";
import type { DockerfileRecord, ImageRecord } from "../../collectors/collect-image.ts";
import type { DockerfileBuild } from "../../collectors/dockerfile-build.ts";
import { targetStage } from "../../collectors/dockerfile-build.ts";
import { label } from "../../parsers/built-stage.ts";
import type { DockerfileModel, DockerInstruction, DockerStage } from "../../parsers/dockerfile-model.ts";

export const ImageParam = z.string().min(1).default("registry:5000/reg-case-platform:dev");
export const DockerfileParam = z.string().min(1).default("reg-case-platform/Dockerfile");
/** Placeholder settings a probe starts the api with: it starts and serves /health with its dependencies unreachable. */
export const ProbeEnvParam = z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).default({
  DATABASE_URL: "postgres://drydock-check@127.0.0.1:1/none",
  REDIS_URL: "redis://127.0.0.1:1/0",
});

/** A check of the Dockerfile and the image built from it re-runs when either changes. */
export function dockerfileWatches<P extends { dockerfile: string; image: string }>(): CheckWatches<P> {
  return { objects: ["image"], files: (p) => [p.dockerfile], images: (p) => [p.image] };
}
export const IMAGE_SOURCE = "laptop: GET /images/{name}/json";
export const HISTORY_SOURCE = "laptop: GET /images/{name}/history";

export function noImage(image: ImageRecord): CheckOutcome {
  return fail(`There is no image ${image.ref} on laptop.`, [
    { source: IMAGE_SOURCE, field: "(image)", observed: "404 no such image", expected: `${image.ref} built` },
  ]);
}

export function noDockerfile(record: Extract<DockerfileRecord, { found: false }>): CheckOutcome {
  return fail(`${record.path}: ${record.reason}.`, [
    { source: record.path, field: "(file)", observed: record.reason, expected: "your Dockerfile" },
  ]);
}

export function describeStage(s: DockerStage): string {
  return `line ${s.line}: FROM ${s.image}${s.resolved && s.resolved !== s.image ? ` (= ${s.resolved})` : ""}${s.name ? ` AS ${s.name}` : ""}`;
}

/**
 * The Dockerfile, and the stage the image was built from: a fail when there is no Dockerfile,
 * an error when the stage cannot be told.
 */
export function judgedStage(
  build: DockerfileBuild,
): { model: DockerfileModel; stage: DockerStage; evidence: Evidence[] } | CheckOutcome {
  if (!build.dockerfile.found) return noDockerfile(build.dockerfile);
  const model = build.dockerfile.model;
  const target = targetStage(model, build.image);
  const evidence: Evidence[] = [
    {
      source: model.path,
      field: "FROM",
      observed: model.stages.map(describeStage),
      expected: "a build stage and a runtime stage",
    },
    {
      source: HISTORY_SOURCE,
      field: "stage the image was built from",
      observed: target.stage ? `${label(target.stage)}: ${target.via}` : target.reason,
    },
  ];
  if (!target.stage) {
    return checkError(
      `Can't tell which stage of ${model.path} ${build.image.ref} was built from, because ${target.reason}.`,
      evidence,
    );
  }
  return { model, stage: target.stage, evidence };
}

export function isOutcome(x: unknown): x is CheckOutcome {
  return typeof x === "object" && x !== null && "status" in x && "summary" in x;
}

// ---- what a build-context path is ---------------------------------------------------------

export const MANIFESTS = [
  "package.json",
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  "bun.lockb",
  "bun.lock",
];
/** Package-manager settings and caches: they change as rarely as the manifests. */
export const PM_FILES = [
  ".npmrc",
  ".yarnrc",
  ".yarnrc.yml",
  ".yarn",
  ".pnpmfile.cjs",
  ".nvmrc",
  ".node-version",
  ".npm-cache",
  ".npm",
  ".pnpm-store",
  ".yarn-offline-mirror",
  ".pnp.cjs",
  ".pnp.loader.mjs",
];

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let k = 0; k < glob.length; k++) {
    const c = glob[k] as string;
    if (c === "*" && glob[k + 1] === "*") {
      re += ".*";
      k++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", k);
      if (end < 0) re += "\\[";
      else {
        re += `[${glob.slice(k + 1, end).replace(/^!/, "^")}]`;
        k = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export type SourceKind = "manifest" | "whole context" | "directory" | "file";

/** What copying `source` from the build context brings in, judged by the context's own files. */
export function classifySource(
  source: string,
  context: readonly string[],
  allowed: readonly string[],
): Array<{ path: string; kind: SourceKind }> {
  const clean = source.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  if (clean === "" || clean === "." || clean === "*" || clean === "**")
    return [{ path: source, kind: "whole context" }];
  const base = (p: string) => p.replace(/\/$/, "").split("/").at(-1) ?? p;
  const one = (p: string): SourceKind =>
    allowed.includes(base(p))
      ? "manifest"
      : context.includes(`${p.replace(/\/$/, "")}/`) || p.endsWith("/")
        ? "directory"
        : "file";
  if (/[*?[]/.test(clean)) {
    const re = globToRegExp(clean);
    const hits = context.filter((p) => re.test(p.replace(/\/$/, "")));
    if (hits.length === 0) {
      return [{ path: source, kind: allowed.some((m) => re.test(m)) ? "manifest" : "file" }];
    }
    return hits.map((p) => ({ path: p, kind: one(p) }));
  }
  return [{ path: clean, kind: one(clean) }];
}

/** COPY/ADD from the build context (not another stage, an image, a URL or a heredoc). */
export function fromContext(i: DockerInstruction): boolean {
  return (i.keyword === "COPY" || i.keyword === "ADD") && !i.flags.from && !i.heredoc;
}

export function isUrl(s: string): boolean {
  return /^(https?|git|ssh):\/\/|^git@/.test(s);
}

const VALUE_FLAG = /^--(cache|prefix|registry|omit|include|loglevel|userconfig|workspace)$|^-w$/;
/** `sh -c "npm ci"` (an exec-form RUN through a shell) → `npm ci`. */
export function unwrapShell(command: string): string {
  const m = /^(?:\/(?:usr\/)?bin\/)?(?:sh|bash|ash|dash)(?:\s+-[a-z]+(?:\s+pipefail)?)*\s+-c\s+(.*)$/s.exec(
    command.trim(),
  );
  return m ? (m[1] ?? "").replace(/^(["'])(.*)\1$/s, "$2") : command;
}

const SEP = /\s*(?:&&|\|\||;|\||\n)\s*/;

/** A step that installs the project's dependencies from its manifests (not `npm i -g pnpm`). */
export function isProjectInstall(command: string): boolean {
  return unwrapShell(command)
    .split(SEP)
    .some((part) => {
      const m = /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:\S*\/)?(npm|pnpm|yarn|bun)(?:\s+(.*))?$/.exec(
        part.trim(),
      );
      if (!m) return false;
      const words = (m[2] ?? "").split(/\s+/).filter(Boolean);
      const sub = words.find((w) => !w.startsWith("-"));
      if (words.some((w) => w === "-g" || w === "--global" || w === "global")) return false;
      const positional = words.filter(
        (w, k) => k > words.indexOf(sub ?? "") && !w.startsWith("-") && !VALUE_FLAG.test(words[k - 1] ?? ""),
      );
      switch (m[1]) {
        case "npm":
          return (
            sub === "ci" ||
            sub === "clean-install" ||
            ((sub === "install" || sub === "i") && positional.length === 0)
          );
        case "yarn":
          return sub === undefined || sub === "install" || (sub === "workspaces" && words.includes("focus"));
        case "pnpm":
          return sub === "install" || sub === "i" || sub === "fetch";
        case "bun":
          return sub === "install" || sub === "i";
        default:
          return false;
      }
    });
}

/** A step that compiles or bundles: what the runtime stage should not do. */
export function isBuildStep(command: string): boolean {
  return unwrapShell(command)
    .split(SEP)
    .some((part) =>
      /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:(npm|pnpm|yarn|bun)\s+(run\s+)?build\b|(npx\s+)?(tsc|webpack|vite\s+build|esbuild|next\s+build|nest\s+build|go\s+build|cargo\s+build|mvn|gradle|make)\b)/.test(
        part.trim(),
      ),
    );
}
