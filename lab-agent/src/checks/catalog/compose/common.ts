import type Docker from "dockerode";
import { z } from "zod";
import { type CheckOutcome, checkError, type Evidence, fail } from "../../check-result.ts";
import {
  ComposeParams,
  type ComposeProjectFacts,
  ONEOFF_LABEL,
  SERVICE_LABEL,
} from "../../collectors/compose-project.ts";
import { type ComposeModel, type ModelRead, readModel } from "../../parsers/compose-model.ts";

export { ComposeParams, composeFiles } from "../../collectors/compose-project.ts";

/** The app's three modes: one image, three commands. */
export const AppServices = z
  .object({
    api: z.string().min(1).default("api"),
    worker: z.string().min(1).default("worker"),
    migrate: z.string().min(1).default("migrate"),
  })
  .strict()
  .default({ api: "api", worker: "worker", migrate: "migrate" });

export const DataServices = z.array(z.string().min(1)).min(1).default(["postgres", "redis"]);

export const Params = ComposeParams.extend({
  app: AppServices,
  data: DataServices,
}).strict();
export type Params = z.infer<typeof Params>;

export const CONFIG = "laptop: docker compose config --format json";
export const CTRS = "laptop: GET /containers/json?all=1&filters=label=com.docker.compose.project";

const short = (f: string, p: Params) => f.replace(`/workspace/${p.dir}/`, "");

/** The `-f` list as the learner runs it, and where it came from. */
export function filesEvidence(f: ComposeProjectFacts, p: Params): Evidence {
  return {
    source:
      f.filesFrom === "label"
        ? `${CTRS}=${f.project} → com.docker.compose.project.config_files`
        : `workspace: ${p.dir}/ (project ${f.project} is not running)`,
    field: "files",
    observed: [
      ...f.files.map((x) => short(x, p)),
      ...f.missing.map((m) => `${p.dir}/${m}: no such file`),
      ...f.envFiles.map((e) => `--env-file ${short(e, p)}`),
    ],
    expected: `-f ${p.base} -f ${p.override}`,
  };
}

export interface Models {
  base: ModelRead;
  asRun: ModelRead;
  all: ModelRead;
}

/** The three reads, or the outcome to give when there is no base file or Compose rejects the files. */
export function modelsOf(
  f: ComposeProjectFacts,
  p: Params,
): { models: { base: ComposeModel; asRun: ComposeModel; all: ComposeModel } } | { outcome: CheckOutcome } {
  const files = filesEvidence(f, p);
  if (f.filesFrom === "default" && f.missing.includes(p.base))
    return { outcome: fail(`There is no ${p.dir}/${p.base}.`, [files]) };
  const base = readModel(f.base);
  const asRun = readModel(f.asRun);
  const all = readModel(f.allProfiles);
  const error = asRun.error ?? base.error ?? all.error;
  if (error || !base.model || !asRun.model || !all.model) {
    const which = asRun.error ? f.files.map((x) => short(x, p)).join(" + ") : short(f.files[0] ?? p.base, p);
    return {
      outcome: fail(`${which}: ${error}.`, [files, { source: CONFIG, field: "error", observed: error }]),
    };
  }
  return { models: { base: base.model, asRun: asRun.model, all: all.model } };
}

/** One service's container (the newest that is not a one-off `compose run`). */
export function containerOf(
  f: ComposeProjectFacts,
  service: string,
): Docker.ContainerInspectInfo | undefined {
  return f.containers
    .filter((c) => c.Config.Labels?.[SERVICE_LABEL] === service && c.Config.Labels?.[ONEOFF_LABEL] !== "True")
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created))[0];
}

export const notRunningYet = (f: ComposeProjectFacts, p: Params, evidence: Evidence[]) =>
  f.containers.length === 0
    ? fail(
        `The project ${p.project} has no containers on laptop: start it with docker compose -f ${p.base} -f ${p.override} up -d --build --wait.`,
        evidence,
      )
    : undefined;

export const cantTell = (why: string, evidence: Evidence[]) =>
  checkError(`Can't tell, because ${why}.`, evidence);
