import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join, normalize } from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import type Docker from "dockerode";
import { extract, pack } from "tar-stream";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { execArgv, sleep } from "../../engine-reads.ts";
import { logTail, scratchVolume, withScratch } from "../../probes/scratch.ts";
import { ensureImage } from "./probe-support.ts";

/** What an archive is, read from its first bytes (and its entries for a tar). */
export type ArchiveFormat =
  | "pg_dump custom"
  | "pg_dump tar"
  | "plain SQL"
  | "pg_dumpall SQL"
  | "data directory tar"
  | "unknown";

export interface ArchiveInfo {
  path: string;
  exists: boolean;
  size: number;
  gzip: boolean;
  format: ArchiveFormat;
  /** For a data directory tar: the path of PG_VERSION inside it. */
  pgVersionAt?: string;
  /** The first bytes, for the evidence of an unknown file. */
  head?: string;
}

/** What the restore into a fresh volume did (the fixtures record this shape). */
export interface RestoreRun {
  /** The scratch server took connections. */
  ready: boolean;
  readySeconds: number;
  /** pg_restore / psql's exit code and last lines (undefined for a data directory, started as it is). */
  restore?: { command: string; code: number; tail: string };
  query?: { code: number; out: string };
  serverLog: string;
}

export interface BackupFacts {
  archive: ArchiveInfo;
  run?: RestoreRun;
  error?: string;
}

const GZIP = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
const isTar = (b: Buffer) => b.length >= 512 && b.subarray(257, 262).toString("latin1") === "ustar";

/** The names in a tar (and where PG_VERSION is). */
async function tarNames(buf: Buffer): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on("entry", (h, body, next) => {
      names.push(h.name);
      body.on("end", next);
      body.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
    Readable.from([buf]).pipe(ex);
  });
  return names;
}

/** Detects the archive's format from its bytes (decompressed when gzip). */
export async function detectArchive(path: string, raw: Buffer): Promise<{ info: ArchiveInfo; data: Buffer }> {
  const base = { path, exists: true, size: raw.length };
  let data = raw;
  let gzip = false;
  if (GZIP(raw)) {
    try {
      data = gunzipSync(raw);
      gzip = true;
    } catch {
      return {
        info: { ...base, gzip: true, format: "unknown", head: "gzip data that does not decompress" },
        data,
      };
    }
  }
  const head = data.subarray(0, 200).toString("latin1");
  const info: ArchiveInfo = { ...base, gzip, format: "unknown" };
  if (head.startsWith("PGDMP")) info.format = "pg_dump custom";
  else if (isTar(data)) {
    const names = await tarNames(data).catch(() => [] as string[]);
    // The cluster's own PG_VERSION: every database folder (base/<oid>/) has one too.
    const pgv = names
      .filter((n) => /(^|\/)PG_VERSION$/.test(n) && !/(^|\/)base\/\d+\/PG_VERSION$/.test(n))
      .sort((a, b) => a.length - b.length)[0];
    if (names.some((n) => n.replace(/^\.\//, "") === "toc.dat")) info.format = "pg_dump tar";
    else if (pgv) {
      info.format = "data directory tar";
      info.pgVersionAt = pgv;
    } else info.head = `a tar of ${names.length} entries: ${names.slice(0, 5).join(", ")}`;
  } else if (/PostgreSQL database cluster dump/.test(data.subarray(0, 2000).toString("utf8")))
    info.format = "pg_dumpall SQL";
  else if (
    /PostgreSQL database dump|^\s*(--|SET |CREATE |BEGIN)/.test(data.subarray(0, 2000).toString("utf8"))
  )
    info.format = "plain SQL";
  if (info.format === "unknown" && !info.head) info.head = JSON.stringify(head.slice(0, 40));
  return { info, data };
}

/** The tar's entries under PG_VERSION's folder, moved to the top, owned by postgres (999). */
async function dataDirTar(data: Buffer, pgVersionAt: string): Promise<Buffer> {
  const prefix = pgVersionAt.replace(/PG_VERSION$/, "");
  const out = pack();
  const chunks: Buffer[] = [];
  out.on("data", (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => out.on("end", () => r()));
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on("entry", (h, body, next) => {
      const name = h.name.startsWith(prefix) ? h.name.slice(prefix.length) : undefined;
      if (!name || name === "./" || (h.type !== "file" && h.type !== "directory" && h.type !== "symlink")) {
        body.on("end", next);
        body.resume();
        return;
      }
      const entry = out.entry(
        { ...h, name, uid: 999, gid: 999, uname: "postgres", gname: "postgres" },
        (err) => (err ? reject(err) : next()),
      );
      body.pipe(entry);
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
    Readable.from([data]).pipe(ex);
  });
  out.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** One file as a tar, for PUT /containers/{id}/archive. */
async function fileTar(name: string, body: Buffer): Promise<Buffer> {
  const out = pack();
  const chunks: Buffer[] = [];
  out.on("data", (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => out.on("end", () => r()));
  out.entry({ name, mode: 0o644 }, body);
  out.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const short = (s: string, n = 600) => (s.length > n ? `…${s.slice(-n)}` : s).trim();

/**
 * A backup is only a backup once it has been restored: the archive in the workspace is restored
 * into a fresh scratch volume on a scratch PostgreSQL (a data directory tar is started as it is),
 * and the query must find the data.
 */
export function evaluateBackup(
  f: BackupFacts,
  p: { archive: string; query: string; minRows: number },
): CheckOutcome {
  const a = f.archive;
  const evidence: Evidence[] = [
    {
      source: `workspace: ${p.archive}`,
      field: "archive",
      observed: a.exists
        ? { bytes: a.size, format: a.format, gzip: a.gzip, ...(a.head ? { head: a.head } : {}) }
        : "no such file",
      expected: "a pg_dump archive (-Fc, -Ft or SQL) or a tar of the data directory",
    },
  ];
  if (!a.exists) return fail(`There is no backup archive at ${p.archive} in the workspace.`, evidence);
  if (a.size === 0)
    return fail(`The backup ${p.archive} is empty (0 bytes): the dump wrote nothing, or failed.`, evidence);
  if (a.format === "unknown")
    return fail(
      `${p.archive} is not a PostgreSQL backup PostgreSQL can restore (${a.head ?? "unrecognised"}): not a pg_dump archive, SQL dump or data directory tar.`,
      evidence,
    );
  if (!f.run)
    return checkError(
      `Can't tell, because the restore did not run${f.error ? `: ${f.error}` : ""}.`,
      evidence,
    );
  const r = f.run;
  evidence.push({
    source: "probe: a scratch postgres on a fresh scratch volume",
    field: "ready",
    observed: r.ready ? `after ${r.readySeconds.toFixed(1)} s` : "never",
    expected: "takes connections",
  });
  if (r.restore)
    evidence.push({
      source: "probe: the restore",
      field: r.restore.command,
      observed: { exit: r.restore.code, tail: r.restore.tail },
      expected: "exit 0",
    });
  if (!r.ready) {
    evidence.push({ source: "probe: the scratch server", field: "log", observed: r.serverLog });
    if (a.format === "data directory tar")
      return fail(
        `The data directory in ${p.archive} does not start as a PostgreSQL server (${short(r.serverLog, 200)}): a copy taken while the server wrote to it, or of the wrong folder.`,
        evidence,
      );
    return checkError("Can't tell, because the scratch PostgreSQL did not start.", evidence);
  }
  if (r.restore && r.restore.code !== 0)
    return fail(
      `Restoring ${p.archive} into a fresh volume fails (${r.restore.command.split(" ")[0]} exit ${r.restore.code}): ${short(r.restore.tail, 200)}`,
      evidence,
    );
  const q = r.query;
  evidence.push({
    source: "probe: psql on the restored database",
    field: p.query,
    observed: q ? (q.code === 0 ? q.out.trim() : { exit: q.code, error: q.out.trim() }) : null,
    expected: `≥ ${p.minRows}`,
  });
  if (q?.code !== 0)
    return fail(
      `${p.archive} restores, but \`${p.query}\` fails on it: ${short(q?.out ?? "no answer", 200)}`,
      evidence,
    );
  const n = Number(q.out.trim().split("\n")[0]);
  if (!Number.isFinite(n))
    return fail(`\`${p.query}\` on the restored data answers ${q.out.trim()}, not a number.`, evidence);
  if (n < p.minRows)
    return fail(
      `${p.archive} restores, but \`${p.query}\` answers ${n}: the backup holds no data (taken before any, or of another database).`,
      evidence,
    );
  return pass(
    `${p.archive} (${a.format}${a.gzip ? ", gzip" : ""}) restores into a fresh volume, and \`${p.query}\` answers ${n}.`,
    evidence,
  );
}

const Params = z
  .object({
    /** Relative to the workspace. */
    archive: z
      .string()
      .min(1)
      .refine((s) => !s.startsWith("/") && !normalize(s).startsWith(".."), "a path inside the workspace")
      .default("backups/case.dump"),
    database: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default("case"),
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/)
      .default("case"),
    query: z.string().min(1).default("select count(*) from cases"),
    minRows: z.number().int().min(0).default(1),
    image: z.string().min(1).default("postgres:17"),
    timeoutSeconds: z.number().int().min(10).max(180).default(60),
  })
  .strict();
type P = z.infer<typeof Params>;

async function readArchive(workspace: string, rel: string): Promise<{ info: ArchiveInfo; data: Buffer }> {
  const path = join(workspace, rel);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile())
    return {
      info: { path: rel, exists: false, size: 0, gzip: false, format: "unknown" },
      data: Buffer.alloc(0),
    };
  const raw = await readFile(path);
  if (raw.length === 0)
    return { info: { path: rel, exists: true, size: 0, gzip: false, format: "unknown" }, data: raw };
  return detectArchive(rel, raw);
}

async function restore(
  docker: Docker,
  lab: Parameters<typeof scratchVolume>[1]["lab"],
  info: ArchiveInfo,
  data: Buffer,
  p: P,
): Promise<RestoreRun> {
  await ensureImage(docker, p.image);
  const check = "storage.backup.restore";
  const volume = await scratchVolume(docker, { lab, check, name: "backup-restore" });
  const dataDir = info.format === "data directory tar";
  const password = randomBytes(12).toString("hex");
  return withScratch(
    docker,
    {
      lab,
      check,
      name: "backup-restore",
      volumes: [volume],
      start: false,
      spec: {
        Image: p.image,
        Env: dataDir
          ? []
          : [`POSTGRES_USER=${p.user}`, `POSTGRES_PASSWORD=${password}`, `POSTGRES_DB=${p.database}`],
        HostConfig: {
          NetworkMode: "none",
          Mounts: [{ Type: "volume", Source: volume, Target: "/var/lib/postgresql/data" }],
        },
      },
    },
    async (c) => {
      if (dataDir)
        await c.putArchive(await dataDirTar(data, info.pgVersionAt ?? "PG_VERSION"), {
          path: "/var/lib/postgresql/data",
        });
      await c.start();
      const t0 = performance.now();
      let ready = false;
      // TCP, not the socket: on a fresh volume the entrypoint's temporary server listens on the socket only.
      while (performance.now() - t0 < p.timeoutSeconds * 1000) {
        const s = await c.inspect();
        if (!s.State.Running) break;
        const r = await execArgv(c, ["pg_isready", "-q", "-h", "127.0.0.1", "-U", p.user], 10_000).catch(
          () => ({ code: -1 }),
        );
        if (r.code === 0) {
          ready = true;
          break;
        }
        await sleep(500);
      }
      const readySeconds = (performance.now() - t0) / 1000;
      if (!ready) return { ready, readySeconds, serverLog: await logTail(c, 8) };
      const psql = (args: string[]) => execArgv(c, ["psql", "-X", "-U", p.user, ...args], 60_000);
      let restoreRun: RestoreRun["restore"];
      if (!dataDir) {
        const file =
          info.format === "pg_dump custom" || info.format === "pg_dump tar" ? "backup.dump" : "backup.sql";
        await c.putArchive(await fileTar(file, data), { path: "/tmp" });
        const cmd =
          file === "backup.dump"
            ? [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "-U",
                p.user,
                "-d",
                p.database,
                `/tmp/${file}`,
              ]
            : info.format === "pg_dumpall SQL"
              ? ["psql", "-X", "-q", "-U", p.user, "-d", "postgres", "-f", `/tmp/${file}`]
              : [
                  "psql",
                  "-X",
                  "-q",
                  "-v",
                  "ON_ERROR_STOP=1",
                  "-U",
                  p.user,
                  "-d",
                  p.database,
                  "-f",
                  `/tmp/${file}`,
                ];
        const r = await execArgv(c, cmd, 120_000);
        restoreRun = {
          command: cmd.join(" "),
          code: r.code,
          tail: short(`${r.stderr}${r.code === 0 ? "" : r.stdout}`, 400),
        };
      }
      const q =
        restoreRun && restoreRun.code !== 0 ? undefined : await psql(["-d", p.database, "-tAc", p.query]);
      return {
        ready,
        readySeconds,
        ...(restoreRun ? { restore: restoreRun } : {}),
        ...(q ? { query: { code: q.code, out: q.code === 0 ? q.stdout : q.stderr } } : {}),
        serverLog: "",
      };
    },
  );
}

export const backupRestore = defineCheck({
  id: "storage.backup.restore",
  title: "The backup in the workspace restores into a fresh volume, and the data is there",
  kind: "probe",
  watches: { objects: [], files: (p: P) => [p.archive] },
  params: Params,
  async collect(ctx, p): Promise<BackupFacts> {
    const { info, data } = await readArchive(ctx.lab.workspace, p.archive);
    if (!info.exists || info.size === 0 || info.format === "unknown") return { archive: info };
    try {
      const docker = await ctx.lab.engine("laptop");
      return { archive: info, run: await restore(docker, ctx.lab.lab, info, data, p) };
    } catch (err) {
      return { archive: info, error: (err as Error).message.slice(0, 200) };
    }
  },
  evaluate: (f, p) => evaluateBackup(f, p),
});
