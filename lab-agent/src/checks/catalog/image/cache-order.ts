import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { collectDockerfileBuild, type DockerfileBuild } from "../../collectors/dockerfile-build.ts";
import { label } from "../../parsers/built-stage.ts";
import {
  copyParts,
  type DockerfileModel,
  type DockerInstruction,
  type DockerStage,
  mounts,
  runCommand,
  stageChain,
  stageRef,
  stagesNeeded,
} from "../../parsers/dockerfile-model.ts";
import {
  classifySource,
  DockerfileParam,
  dockerfileWatches,
  fromContext,
  ImageParam,
  isOutcome,
  isProjectInstall,
  isUrl,
  judgedStage,
  MANIFESTS,
  PM_FILES,
} from "./shared.ts";

/** Code that a source-only change touches; other single files (tsconfig.json, README.md) are settings. */
const CODE = /\.(c|m)?[jt]sx?$|\.(py|go|rs|java|kt|rb|php|cs|sql|sh)$/;

function isInput(c: { path: string; kind: string }): boolean {
  return c.kind === "whole context" || c.kind === "directory" || (c.kind === "file" && CODE.test(c.path));
}

interface Input {
  line: number;
  how: string;
  path: string;
  kind: string;
}

/** Context paths that are not manifests, copied (or bind-mounted) into a stage's chain before `upTo`. */
function contextBefore(
  model: DockerfileModel,
  stage: DockerStage,
  upTo: DockerInstruction | null,
  context: readonly string[],
  allowed: readonly string[],
  seen = new Set<number>(),
): { inputs: Input[]; manifests: Input[] } {
  const inputs: Input[] = [];
  const manifests: Input[] = [];
  seen.add(stage.index);
  for (const s of stageChain(model, stage)) {
    for (const i of s.instructions) {
      if (i === upTo) return { inputs, manifests };
      if (fromContext(i)) {
        for (const src of copyParts(i).sources.filter((x) => !isUrl(x))) {
          for (const c of classifySource(src, context, allowed)) {
            (isInput(c) ? inputs : manifests).push({
              line: i.line,
              how: i.keyword,
              path: c.path,
              kind: c.kind,
            });
          }
        }
      } else if ((i.keyword === "COPY" || i.keyword === "ADD") && i.flags.from) {
        // Copied from another stage: a source change reaches here when that stage copied sources.
        const from = stageRef(model, i.flags.from, s.index);
        if (from && !seen.has(from.index)) {
          const up = contextBefore(model, from, null, context, allowed, seen);
          const wantsOnlyManifests = copyParts(i).sources.every((x) =>
            allowed.includes(x.split("/").at(-1) ?? x),
          );
          if (wantsOnlyManifests) manifests.push(...up.manifests);
          else if (up.inputs.length > 0)
            inputs.push({
              line: i.line,
              how: `COPY --from=${i.flags.from}`,
              path: up.inputs[0]?.path ?? "",
              kind: `from stage ${label(from)}`,
            });
        }
      }
    }
  }
  return { inputs, manifests };
}

function bindInputs(
  i: DockerInstruction,
  context: readonly string[],
  allowed: readonly string[],
): { inputs: Input[]; manifests: Input[] } {
  const inputs: Input[] = [];
  const manifests: Input[] = [];
  for (const m of mounts(i)) {
    if (m.type !== "bind" || m.from) continue;
    for (const c of classifySource(m.source ?? ".", context, allowed)) {
      (isInput(c) ? inputs : manifests).push({
        line: i.line,
        how: "RUN --mount=type=bind",
        path: c.path,
        kind: c.kind,
      });
    }
  }
  return { inputs, manifests };
}

export function evaluateCacheOrder(build: DockerfileBuild, allowed: readonly string[]): CheckOutcome {
  const judged = judgedStage(build);
  if (isOutcome(judged)) return judged;
  const { model, stage, evidence } = judged;
  const src = model.path;
  const needed = stagesNeeded(model, stage);
  const installs = needed.flatMap((s) =>
    s.instructions
      .filter((i) => i.keyword === "RUN" && isProjectInstall(runCommand(i)))
      .map((i) => ({ s, i })),
  );
  const elsewhere = model.stages
    .filter((s) => !needed.includes(s))
    .flatMap((s) =>
      s.instructions
        .filter((i) => i.keyword === "RUN" && isProjectInstall(runCommand(i)))
        .map((i) => `${label(s)} line ${i.line}`),
    );
  const all: Evidence[] = [...evidence];
  if (installs.length === 0) {
    all.push({
      source: src,
      field: "RUN (dependency install)",
      observed:
        elsewhere.length > 0 ? `only in stages the image does not use: ${elsewhere.join(", ")}` : "none",
      expected: "RUN npm ci (or yarn / pnpm install) after copying the manifests",
    });
    return fail(
      `No dependency install (npm ci, npm install, yarn, pnpm install) in the stages ${label(stage)} is built from.`,
      all,
    );
  }
  let problem: string | undefined;
  for (const { s, i } of installs) {
    const before = contextBefore(model, s, i, build.context, allowed);
    const bound = bindInputs(i, build.context, allowed);
    const inputs = [...before.inputs, ...bound.inputs];
    const manifests = [...before.manifests, ...bound.manifests];
    all.push({
      source: src,
      field: `stage ${label(s)}: what the install at line ${i.line} depends on`,
      observed: [...manifests, ...inputs].map((x) => `line ${x.line} ${x.how}: ${x.path} (${x.kind})`),
      expected: `only dependency manifests (${allowed.slice(0, 4).join(", ")}, …)`,
    });
    if (problem) continue;
    if (inputs.length > 0) {
      const first = inputs[0] as Input;
      problem = `Line ${first.line} (${first.how} ${first.path}, ${first.kind}) reaches the dependency install at line ${i.line} of stage ${label(s)}: every source change reinstalls everything.`;
    } else if (manifests.length === 0) {
      problem = `The install at line ${i.line} of stage ${label(s)} runs before any manifest is copied or mounted.`;
    }
  }
  if (problem) return fail(problem, all);
  return pass(
    `Dependencies are installed from the manifests alone, before any source is copied (${installs.length} install step(s) in the stages ${label(stage)} is built from).`,
    all,
  );
}

const Params = z
  .object({
    dockerfile: DockerfileParam,
    image: ImageParam,
    /** Files that may reach the install: manifests, package-manager settings and caches. */
    manifests: z.array(z.string().min(1)).default([...MANIFESTS, ...PM_FILES]),
  })
  .strict();

export const cacheOrder = defineCheck({
  id: "dockerfile.cache-order",
  title: "Dependency layers before sources",
  kind: "snapshot",
  watches: dockerfileWatches<z.infer<typeof Params>>(),
  params: Params,
  collect: (ctx, p) => collectDockerfileBuild(ctx, p.dockerfile, p.image),
  evaluate: (build, p) => evaluateCacheOrder(build, p.manifests),
});
