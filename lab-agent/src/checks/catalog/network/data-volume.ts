import type Docker from "dockerode";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  CTR_SOURCE,
  collectContainer,
  envOf,
  type Inspect,
  NameParam,
  nameOf,
  notRunning,
} from "./shared.ts";

type Mount = {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination: string;
  RW?: boolean;
  Driver?: string;
};

export interface DataFacts {
  db: Inspect | undefined;
  /** `GET /volumes/{name}` of the volume holding the data directory, when it is one. */
  volume?: Pick<Docker.VolumeInspectInfo, "Name" | "Labels" | "Driver"> | undefined;
  app: Inspect | undefined;
}

const within = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);

/** The mount (or tmpfs) that holds `path`: the deepest one at the path or above it. */
export function holder(info: Inspect, path: string): Mount | undefined {
  const mounts = ((info.Mounts ?? []) as Mount[]).filter((m) => within(path, m.Destination));
  for (const dst of Object.keys(info.HostConfig.Tmpfs ?? {}))
    if (within(path, dst)) mounts.push({ Type: "tmpfs", Destination: dst });
  return mounts.sort((a, b) => b.Destination.length - a.Destination.length)[0];
}

export function anonymous(m: Mount, volume: DataFacts["volume"]): boolean {
  if (volume?.Labels && "com.docker.volume.anonymous" in volume.Labels) return true;
  return /^[0-9a-f]{64}$/.test(m.Name ?? "");
}

/** Where the database keeps its files: PGDATA when set, else the image's data directory. */
export function dataPath(db: Inspect, path: string | undefined): string {
  return path ?? envOf(db, "PGDATA") ?? "/var/lib/postgresql/data";
}

const DEV = /^(dev|development|local)$/i;

/** The app's bind mounts of source (over its working directory or below it). */
function sourceBinds(app: Inspect): Mount[] {
  const wd = app.Config.WorkingDir || "/";
  return ((app.Mounts ?? []) as Mount[]).filter(
    (m) => m.Type === "bind" && wd !== "/" && (within(m.Destination, wd) || within(wd, m.Destination)),
  );
}

/**
 * The database's data directory is in a named volume (not a bind mount, not the anonymous volume
 * the image's VOLUME makes, not tmpfs, not the container's layer); a bind mount of the source
 * into the app only when the app runs in development mode.
 */
export function evaluateDataVolume(
  f: DataFacts,
  p: { container: string; app: string; path?: string | undefined },
): CheckOutcome {
  const missing = notRunning(p.container, f.db);
  if (missing || !f.db) return missing as CheckOutcome;
  const path = dataPath(f.db, p.path);
  const m = holder(f.db, path);
  const evidence: Evidence[] = [
    { source: CTR_SOURCE, field: `${p.container}: data directory`, observed: path },
    {
      source: CTR_SOURCE,
      field: `${p.container}: Mounts at ${path}`,
      observed: m
        ? { Type: m.Type, Name: m.Name ?? null, Source: m.Source ?? null, Destination: m.Destination }
        : "none",
      expected: "a named volume",
    },
  ];
  if (f.volume)
    evidence.push({
      source: "laptop: GET /volumes/{name}",
      field: "Labels",
      observed: f.volume.Labels ?? {},
    });
  const verdict = dataVerdict(m, f.volume, path, p.container);
  if (verdict) return fail(verdict, evidence);
  const named = m?.Name ?? "";
  const app = f.app;
  let appNote = "";
  if (app) {
    const binds = sourceBinds(app);
    const mode = envOf(app, "APP_ENV") ?? envOf(app, "NODE_ENV") ?? "";
    evidence.push({
      source: CTR_SOURCE,
      field: `${nameOf(app)}: bind mounts over ${app.Config.WorkingDir || "/"}`,
      observed: binds.map((b) => `${b.Source}:${b.Destination}${b.RW === false ? ":ro" : ""}`),
      expected: "none, unless APP_ENV=development",
    });
    if (binds.length > 0 && !DEV.test(mode))
      return fail(
        `${nameOf(app)} runs with its source bind-mounted (${binds.map((b) => `${b.Source}:${b.Destination}`).join(", ")}) in ${mode ? `${mode} mode` : "no development mode (APP_ENV unset)"}: what runs is the host's folder, not the image.`,
        evidence,
      );
    appNote =
      binds.length > 0
        ? `; ${nameOf(app)} bind-mounts its source in ${mode} mode`
        : `; ${nameOf(app)} runs its image's code (no source bind mount)`;
  }
  return pass(`${p.container} keeps ${path} in the named volume ${named}${appNote}.`, evidence);
}

function dataVerdict(
  m: Mount | undefined,
  volume: DataFacts["volume"],
  path: string,
  name: string,
): string | undefined {
  if (!m) return `${name} keeps ${path} in its container layer: the data is gone with the container.`;
  if (m.Type === "tmpfs")
    return `${name} keeps ${path} on a tmpfs at ${m.Destination}: the data is in memory and gone when it stops.`;
  if (m.Type === "bind")
    return `${name} keeps ${path} in a bind mount of ${m.Source}: a host folder the engine does not manage (ownership, permissions and backups are the host's), not a named volume.`;
  if (m.Type !== "volume") return `${name} keeps ${path} on a ${m.Type} mount, not a named volume.`;
  if (anonymous(m, volume))
    return `${name} keeps ${path} in an anonymous volume (${(m.Name ?? "").slice(0, 12)}…, from the image's VOLUME or a mount without a source): the next docker run gets a new, empty one.`;
  if (m.Destination !== path && !within(path, m.Destination))
    return `${name} keeps ${path} outside its volume.`;
  return undefined;
}

const Params = z
  .object({
    container: NameParam.default("reg-case-postgres"),
    /** Where the data lives; default: the container's PGDATA, else /var/lib/postgresql/data. */
    path: z.string().startsWith("/").optional(),
    app: NameParam.default("case-api"),
  })
  .strict();

export const dataVolume = defineCheck({
  id: "storage.data.volume",
  title: "PostgreSQL's data in a named volume; source bind-mounted only for development",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: Params,
  async collect(ctx, p): Promise<DataFacts> {
    const [db, app] = await Promise.all([collectContainer(ctx, p.container), collectContainer(ctx, p.app)]);
    let volume: DataFacts["volume"];
    const m = db ? holder(db, dataPath(db, p.path)) : undefined;
    if (m?.Type === "volume" && m.Name) {
      const docker = await ctx.lab.engine("laptop");
      volume = await docker
        .getVolume(m.Name)
        .inspect()
        .then((v) => ({ Name: v.Name, Labels: v.Labels, Driver: v.Driver }))
        .catch(() => undefined);
    }
    return { db, volume, app };
  },
  evaluate: (f, p) => evaluateDataVolume(f, p),
});
