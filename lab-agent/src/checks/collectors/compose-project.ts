import { existsSync } from "node:fs";
import { join, normalize, posix } from "node:path";
import type Docker from "dockerode";
import { z } from "zod";
import { containerName } from "../../lab/lab-names.ts";
import type { CheckContext } from "../check-definition.ts";
import { execArgv } from "../engine-reads.ts";

/**
 * A Compose project on laptop, read as the learner runs it: the model through the laptop's own
 * `docker compose config --format json` (anchors, `extends`, `include`, env files, merges of
 * several `-f` files and the schema are Compose's business, not ours), and the running project
 * through Compose's labels on its containers.
 *
 * Which files: those the running project was started with (its containers'
 * `com.docker.compose.project.config_files`, working dir and env files), else the default pair
 * in the project folder (`compose.yml` + `compose.dev.yml`, the second only when it exists).
 */

/** One run of `docker compose … config` on laptop, as recorded in fixtures. */
export interface ComposeRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ComposeProjectFacts {
  project: string;
  /** `label`: the running project's own file list; `default`: the project folder's default pair. */
  filesFrom: "label" | "default";
  /** Laptop paths, in `-f` order. */
  files: string[];
  workingDir: string;
  envFiles: string[];
  /** Default files that are not in the workspace (only for `default`). */
  missing: string[];
  /** `config --format json` of the first file alone (every profile on): the base. */
  base?: ComposeRun;
  /** `config --format json` of every file, no profile: what a plain `up` runs. */
  asRun?: ComposeRun;
  /** `config --profiles`. */
  profiles?: ComposeRun;
  /** `config --format json` with every profile the files declare. */
  allProfiles?: ComposeRun;
  /** The project's containers (`docker compose ps -a`, one-offs included), inspected. */
  containers: Docker.ContainerInspectInfo[];
}

export const PROJECT_LABEL = "com.docker.compose.project";
export const SERVICE_LABEL = "com.docker.compose.service";
export const FILES_LABEL = "com.docker.compose.project.config_files";
export const DIR_LABEL = "com.docker.compose.project.working_dir";
export const ENV_LABEL = "com.docker.compose.project.environment_file";
export const ONEOFF_LABEL = "com.docker.compose.oneoff";

export const ComposeParams = z.object({
  /** The Compose project name (the base's `name:`). */
  project: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("reg-case"),
  /** The project folder, relative to the workspace. */
  dir: z
    .string()
    .regex(/^[a-zA-Z0-9._][a-zA-Z0-9._/-]*$/)
    .refine((p) => !p.split("/").includes(".."))
    .default("reg-case-platform"),
  /** The base file and the dev override, in the project folder. */
  base: z.string().min(1).default("compose.yml"),
  override: z.string().min(1).default("compose.dev.yml"),
});
export type ComposeParams = z.infer<typeof ComposeParams>;

/** The files a check polls: editing a Compose file makes no Docker event. */
export const composeFiles = (p: ComposeParams) => [`${p.dir}/${p.base}`, `${p.dir}/${p.override}`];

const split = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** The newest container's file list, working dir and env files, if the project runs. */
export function filesFromLabels(
  containers: readonly Docker.ContainerInspectInfo[],
): { files: string[]; workingDir: string; envFiles: string[] } | undefined {
  const newest = [...containers]
    .filter((c) => c.Config.Labels?.[FILES_LABEL])
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created))[0];
  const labels = newest?.Config.Labels;
  if (!labels) return undefined;
  const files = split(labels[FILES_LABEL]);
  const workingDir = labels[DIR_LABEL] || posix.dirname(files[0] ?? "/");
  return { files, workingDir, envFiles: split(labels[ENV_LABEL]) };
}

/** The argv of one `docker compose … config` run (fixtures/record.sh runs the same). */
export function configArgv(
  f: Pick<ComposeProjectFacts, "project" | "filesFrom" | "workingDir" | "envFiles">,
  files: readonly string[],
  extra: readonly string[],
  profiles: readonly string[] = [],
): string[] {
  return [
    "docker",
    "compose",
    ...(f.filesFrom === "label" ? ["--project-name", f.project] : []),
    "--project-directory",
    f.workingDir,
    ...files.flatMap((x) => ["--file", x]),
    ...f.envFiles.flatMap((x) => ["--env-file", x]),
    ...profiles.flatMap((x) => ["--profile", x]),
    "config",
    ...extra,
  ];
}

/** Profile names from `config --profiles` (one a line). */
export function profileNames(run: ComposeRun | undefined): string[] {
  if (!run || run.code !== 0) return [];
  return run.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(l));
}

async function projectContainers(docker: Docker, project: string): Promise<Docker.ContainerInspectInfo[]> {
  const list = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ label: [`${PROJECT_LABEL}=${project}`] }),
  });
  const infos = await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => undefined),
    ),
  );
  return infos.filter((i) => i !== undefined);
}

export function collectComposeProject(ctx: CheckContext, p: ComposeParams): Promise<ComposeProjectFacts> {
  return ctx.memo(`compose:${p.project}:${p.dir}:${p.base}:${p.override}`, async () => {
    const docker = await ctx.lab.engine("laptop");
    const containers = await projectContainers(docker, p.project);
    const fromLabels = filesFromLabels(containers);
    const dir = normalize(p.dir);
    const facts: ComposeProjectFacts = fromLabels
      ? { project: p.project, filesFrom: "label", ...fromLabels, missing: [], containers }
      : {
          project: p.project,
          filesFrom: "default",
          files: [p.base, p.override]
            .filter((f, i) => i === 0 || existsSync(join(ctx.lab.workspace, dir, f)))
            .map((f) => `/workspace/${dir}/${f}`),
          workingDir: `/workspace/${dir}`,
          envFiles: [],
          missing: [p.base, p.override].filter((f) => !existsSync(join(ctx.lab.workspace, dir, f))),
          containers,
        };
    if (facts.filesFrom === "default" && facts.missing.includes(p.base)) return facts;
    const laptop = ctx.lab.host.getContainer(containerName(ctx.lab.lab, "laptop"));
    const run = (argv: string[]) =>
      execArgv(laptop, argv, 30_000).catch(
        (e: unknown): ComposeRun => ({ code: -1, stdout: "", stderr: String(e) }),
      );
    const [asRun, profiles] = await Promise.all([
      run(configArgv(facts, facts.files, ["--format", "json"])),
      run(configArgv(facts, facts.files, ["--profiles"])),
    ]);
    const names = profileNames(profiles);
    // The base with every profile too, so dev tools put in the base show there.
    const [base, allProfiles] = await Promise.all([
      run(configArgv(facts, facts.files.slice(0, 1), ["--format", "json"], names)),
      names.length ? run(configArgv(facts, facts.files, ["--format", "json"], names)) : asRun,
    ]);
    return { ...facts, base, asRun, profiles, allProfiles };
  });
}
