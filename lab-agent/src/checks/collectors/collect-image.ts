import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import type Docker from "dockerode";
import type { CheckContext } from "../check-definition.ts";
import {
  firstFileUnder,
  inspectImage,
  pathExists,
  readFileFrom,
  withStoppedContainer,
} from "../engine-reads.ts";
import { type DockerfileModel, parseDockerfile } from "../parsers/dockerfile-model.ts";

export interface ImageRecord {
  ref: string;
  /** Undefined when laptop's engine has no such image. */
  inspect?: Pick<Docker.ImageInspectInfo, "Id" | "Created" | "Config">;
  history?: Array<{ CreatedBy: string; Size: number }>;
}

/** `GET /images/{ref}/json` and `/history` on laptop, once per run. */
export function collectImage(ctx: CheckContext, ref: string): Promise<ImageRecord> {
  return ctx.memo(`image:${ref}`, async () => {
    const docker = await ctx.lab.engine("laptop");
    const info = await inspectImage(docker, ref);
    if (!info) return { ref };
    const history = (await docker.getImage(ref).history()) as Array<{ CreatedBy: string; Size: number }>;
    return {
      ref,
      inspect: { Id: info.Id, Created: info.Created, Config: info.Config },
      history: history.map((h) => ({ CreatedBy: h.CreatedBy, Size: h.Size })),
    };
  });
}

export interface ImageFiles {
  passwd: string | null;
  group: string | null;
  /** Paths whose mere presence matters (a compiler, a dev-only module). */
  present: Record<string, boolean>;
  /** Directories that must hold no files (caches), with the first file found. */
  nonEmpty: Record<string, { exists: boolean; match?: string }>;
}

export interface FileProbes {
  paths: string[];
  emptyDirs: string[];
}

/** Reads files from the image through a created, never-started container (no shell needed). */
export function collectImageFiles(ctx: CheckContext, ref: string, probes: FileProbes): Promise<ImageFiles> {
  const key = `files:${ref}:${JSON.stringify(probes)}`;
  return ctx.memo(key, async () => {
    const docker = await ctx.lab.engine("laptop");
    return withStoppedContainer(docker, ref, "image-files", async (c) => {
      const [passwd, group] = await Promise.all([
        readFileFrom(c, "/etc/passwd"),
        readFileFrom(c, "/etc/group"),
      ]);
      const present: Record<string, boolean> = {};
      const nonEmpty: ImageFiles["nonEmpty"] = {};
      await Promise.all([
        ...probes.paths.map(async (p) => {
          present[p] = await pathExists(c, p);
        }),
        ...probes.emptyDirs.map(async (d) => {
          // apt's lock file and partial/ folder are there even in a clean image.
          const r = await firstFileUnder(c, d, (name) => !/(^|\/)(lock|partial\/?)$/.test(name));
          nonEmpty[d] = { exists: r.exists, ...(r.match ? { match: r.match } : {}) };
        }),
      ]);
      return { passwd, group, present, nonEmpty };
    });
  });
}

export type DockerfileRecord =
  | { found: true; model: DockerfileModel }
  | { found: false; path: string; reason: string };

/** The learner's Dockerfile, read from the workspace folder and parsed with dockerfile-ast. */
export function collectDockerfile(ctx: CheckContext, relative: string): Promise<DockerfileRecord> {
  return ctx.memo(`dockerfile:${relative}`, async () => {
    const safe = normalize(relative);
    if (safe.startsWith("..") || safe.startsWith("/")) {
      return { found: false, path: relative, reason: "the path leaves the workspace" };
    }
    try {
      const text = await readFile(join(ctx.lab.workspace, safe), "utf8");
      return { found: true, model: parseDockerfile(`/workspace/${safe}`, text) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        found: false,
        path: `/workspace/${safe}`,
        reason: code === "ENOENT" ? "no such file" : String(err),
      };
    }
  });
}
