import { posix } from "node:path";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { collectDockerfileBuild, type DockerfileBuild } from "../../collectors/dockerfile-build.ts";
import { label } from "../../parsers/built-stage.ts";
import {
  copyParts,
  type DockerfileModel,
  type DockerStage,
  runCommand,
  stageChain,
  stageRef,
} from "../../parsers/dockerfile-model.ts";
import {
  classifySource,
  DockerfileParam,
  dockerfileWatches,
  fromContext,
  ImageParam,
  isBuildStep,
  isOutcome,
  isUrl,
  judgedStage,
  MANIFESTS,
  PM_FILES,
} from "./shared.ts";

/** Context files a runtime stage may copy as they are: manifests, settings, and these (migrations, scripts). */
const RUNTIME_FILES = z
  .array(z.string().min(1))
  .default([
    "migrations",
    "docker",
    "entrypoint.sh",
    "docker-entrypoint.sh",
    "LICENSE",
    "public",
    "static",
    "config",
  ]);

function workdirOf(model: DockerfileModel, stage: DockerStage): string {
  let dir = "/";
  for (const s of stageChain(model, stage))
    for (const i of s.instructions)
      if (i.keyword === "WORKDIR" && i.args[0]) dir = posix.resolve(dir, i.args[0]);
  return dir;
}

/** Context paths copied into a stage (and those it starts FROM), to tell sources apart from runtime files. */
function contextCopies(model: DockerfileModel, stage: DockerStage): string[] {
  return stageChain(model, stage).flatMap((s) =>
    s.instructions.filter(fromContext).flatMap((i) => copyParts(i).sources.filter((x) => !isUrl(x))),
  );
}

export function evaluateMultiStage(build: DockerfileBuild, runtimeFiles: readonly string[]): CheckOutcome {
  const judged = judgedStage(build);
  if (isOutcome(judged)) return judged;
  const { model, stage, evidence } = judged;
  const chain = stageChain(model, stage);
  const ancestors = chain.slice(0, -1);
  const root = chain[0] as DockerStage;
  const src = model.path;
  const name = label(stage);

  if (root.parent === null && root.resolved === null) {
    return {
      status: "error",
      summary: `Can't tell what stage ${label(root)} starts from, because "FROM ${root.image}" uses an ARG with no default.`,
      evidence,
    };
  }
  // What the chain before the judged stage does: a build there ships with the runtime.
  const inherited = ancestors.flatMap((s) =>
    s.instructions
      .filter(
        (i) =>
          (i.keyword === "RUN" && isBuildStep(runCommand(i))) ||
          (fromContext(i) &&
            copyParts(i).sources.some((x) =>
              classifySource(x, build.context, [...MANIFESTS, ...PM_FILES]).some(
                (c) => c.kind !== "manifest",
              ),
            )),
      )
      .map((i) => `${label(s)} line ${i.line}: ${i.text}`),
  );
  const own = stage.instructions;
  const fromStages = own.filter(
    (i) =>
      (i.keyword === "COPY" || i.keyword === "ADD") &&
      i.flags.from &&
      stageRef(model, i.flags.from, stage.index),
  );
  const wholeTree = fromStages.filter((i) => {
    const from = stageRef(model, i.flags.from ?? "", stage.index) as DockerStage;
    const wd = workdirOf(model, from);
    return copyParts(i).sources.some((s) => {
      const abs = posix.resolve(wd, s.replace(/\/\.$/, ""));
      return abs === "/" || abs === wd;
    });
  });
  // A context path also copied into the stage it copies artifacts from is a source the build compiles.
  const buildInputs = new Set(
    fromStages
      .flatMap((i) => contextCopies(model, stageRef(model, i.flags.from ?? "", stage.index) as DockerStage))
      .map((s) => s.replace(/^\.\//, "").replace(/\/+$/, "")),
  );
  const allowed = [...MANIFESTS, ...PM_FILES, ...runtimeFiles];
  const sourceCopies = own.filter(fromContext).flatMap((i) =>
    copyParts(i)
      .sources.filter((x) => !isUrl(x))
      .flatMap((x) => classifySource(x, build.context, allowed))
      .filter(
        (c) =>
          c.kind === "whole context" ||
          (c.kind !== "manifest" && buildInputs.has(c.path.replace(/\/+$/, ""))),
      )
      .map(
        (c) =>
          `line ${i.line}: ${c.path} (${c.kind === "whole context" ? "the whole build context" : "also compiled in the build stage"})`,
      ),
  );
  const builds = own.filter((i) => i.keyword === "RUN" && isBuildStep(runCommand(i)));
  const more: Evidence[] = [
    {
      source: src,
      field: `stage ${name} COPY --from`,
      observed: fromStages.map((c) => `line ${c.line}: ${c.text}`),
      expected: "the runtime stage copies its artifact from an earlier stage",
    },
    {
      source: src,
      field: `stage ${name} copies from the build context`,
      observed: own.filter(fromContext).map((i) => `line ${i.line}: ${i.text}`),
      expected: "no sources: manifests, migrations and scripts only",
    },
  ];
  if (ancestors.length > 0) {
    more.push({
      source: src,
      field: `stage ${name} starts FROM`,
      observed: ancestors.map((s) => `${label(s)} (line ${s.line})`),
      expected: "a fresh base, or a stage that builds nothing",
    });
  }
  const all = [...evidence, ...more];
  if (model.stages.length < 2) {
    return fail(`${src} has 1 stage; it needs a build stage and a runtime stage.`, all);
  }
  if (inherited.length > 0) {
    return fail(
      `The image's stage ${name} starts FROM ${ancestors.map(label).join(" → ")}, so it keeps what was built there (${inherited[0]}).`,
      all,
    );
  }
  if (fromStages.length === 0) {
    return fail(
      `The image's stage ${name} (line ${stage.line}) copies nothing from an earlier stage: it is built in one stage.`,
      all,
    );
  }
  if (wholeTree.length > 0) {
    return fail(
      `Line ${wholeTree[0]?.line} copies the build stage's whole folder into the runtime stage (${wholeTree[0]?.text}): sources and build tools come with it.`,
      all,
    );
  }
  if (sourceCopies.length > 0) {
    return fail(
      `The runtime stage ${name} copies sources from the build context: ${sourceCopies.join("; ")}.`,
      all,
    );
  }
  if (builds.length > 0) {
    return fail(
      `The runtime stage ${name} builds at line ${builds[0]?.line} (${builds[0]?.text}): build in an earlier stage.`,
      all,
    );
  }
  return pass(
    `${model.stages.length} stages; the image's stage ${name} starts from ${root.resolved ?? root.image} and copies ${fromStages.length} artifact(s) from earlier stages, no sources.`,
    all,
  );
}

const Params = z
  .object({ dockerfile: DockerfileParam, image: ImageParam, runtimeFiles: RUNTIME_FILES })
  .strict();

export const multiStage = defineCheck({
  id: "dockerfile.multistage",
  title: "Multi-stage Dockerfile",
  kind: "snapshot",
  watches: dockerfileWatches<z.infer<typeof Params>>(),
  params: Params,
  collect: (ctx, p) => collectDockerfileBuild(ctx, p.dockerfile, p.image),
  evaluate: (build, p) => evaluateMultiStage(build, p.runtimeFiles),
});
