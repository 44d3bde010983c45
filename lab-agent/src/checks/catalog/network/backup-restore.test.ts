import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { type BackupFacts, detectArchive, evaluateBackup } from "./backup-restore.ts";
import { fixtureJson } from "./fixtures.ts";

const recorded = (name: string, change: (f: BackupFacts) => void = () => {}) => {
  const f = fixtureJson<BackupFacts>(`backup/${name}.json`);
  change(f);
  return f;
};
const P = { archive: "backups/case.dump", query: "select count(*) from cases", minRows: 1 };
const missing: BackupFacts = {
  archive: { path: P.archive, exists: false, size: 0, gzip: false, format: "unknown" },
};

const variants: Array<{ name: string; f: BackupFacts; status: "pass" | "fail" | "error"; summary: RegExp }> =
  [
    // right
    {
      name: "recorded: pg_dump -Fc",
      f: recorded("custom"),
      status: "pass",
      summary:
        /\(pg_dump custom\) restores into a fresh volume, and `select count\(\*\) from cases` answers 2/,
    },
    {
      name: "recorded: pg_dump | gzip",
      f: recorded("plain"),
      status: "pass",
      summary: /\(plain SQL, gzip\) restores/,
    },
    {
      name: "recorded: pg_dump -Ft",
      f: recorded("pgtar"),
      status: "pass",
      summary: /\(pg_dump tar\) restores/,
    },
    {
      name: "recorded: pg_dumpall",
      f: recorded("all"),
      status: "pass",
      summary: /\(pg_dumpall SQL\) restores/,
    },
    {
      name: "recorded: tar czf of the volume (started as it is, crash-consistent)",
      f: recorded("volume-live"),
      status: "pass",
      summary: /\(data directory tar, gzip\) restores/,
    },
    // wrong
    {
      name: "no backup yet (a fresh lab)",
      f: missing,
      status: "fail",
      summary: /There is no backup archive at backups\/case\.dump/,
    },
    {
      name: "an empty file (pg_dump -U postgres failed, the redirect stayed)",
      f: { archive: { ...missing.archive, exists: true } },
      status: "fail",
      summary: /is empty \(0 bytes\)/,
    },
    {
      name: "recorded: a truncated -Fc file (the copy was cut off)",
      f: recorded("truncated"),
      status: "fail",
      summary: /fails \(pg_restore exit 1\): pg_restore: error: could not read from input file: end of file/,
    },
    {
      name: "notes instead of a dump",
      f: {
        archive: {
          path: P.archive,
          exists: true,
          size: 13,
          gzip: false,
          format: "unknown",
          head: '"not a backup\\n"',
        },
      },
      status: "fail",
      summary: /is not a PostgreSQL backup/,
    },
    {
      name: "a dump of the wrong database (no cases table)",
      f: recorded("custom", (f) => {
        if (f.run)
          f.run.query = {
            code: 1,
            out: 'ERROR:  relation "cases" does not exist\nLINE 1: select count(*) from cases',
          };
      }),
      status: "fail",
      summary: /restores, but `select count\(\*\) from cases` fails on it: .*relation "cases" does not exist/,
    },
    {
      name: "a dump taken before any data (schema only, 0 rows)",
      f: recorded("custom", (f) => {
        if (f.run) f.run.query = { code: 0, out: "0\n" };
      }),
      status: "fail",
      summary: /answers 0: the backup holds no data/,
    },
    {
      name: "a tar of the data directory that does not start",
      f: recorded("volume-live", (f) => {
        if (f.run) {
          f.run.ready = false;
          f.run.serverLog = 'FATAL:  could not open file "global/pg_control": No such file or directory';
        }
      }),
      status: "fail",
      summary: /does not start as a PostgreSQL server \(FATAL: {2}could not open file "global\/pg_control"/,
    },
    {
      name: "the scratch server did not start (not the archive's fault)",
      f: recorded("custom", (f) => {
        if (f.run) f.run.ready = false;
      }),
      status: "error",
      summary: /^Can't tell, because the scratch PostgreSQL did not start/,
    },
  ];

describe("storage.backup.restore", () => {
  it.each(variants)("$name → $status", ({ f, status, summary }) => {
    const r = evaluateBackup(f, P);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("tells the formats apart by their bytes", async () => {
    const sql = Buffer.from("--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\n");
    expect((await detectArchive("a", Buffer.from("PGDMP\u0001\u000e\u0000"))).info.format).toBe(
      "pg_dump custom",
    );
    expect((await detectArchive("a", sql)).info.format).toBe("plain SQL");
    expect((await detectArchive("a", gzipSync(sql))).info).toMatchObject({ format: "plain SQL", gzip: true });
    expect((await detectArchive("a", Buffer.from("\u001f\u008bnot gzip", "latin1"))).info.format).toBe(
      "unknown",
    );
    expect((await detectArchive("a", Buffer.from("hello"))).info.format).toBe("unknown");
    // tar cf - /var/lib/postgresql/data: the database folders' PG_VERSION come first.
    const names = ["var/lib/postgresql/data/base/1/PG_VERSION", "var/lib/postgresql/data/PG_VERSION"];
    const t = await tarOf(names);
    expect((await detectArchive("a", t)).info).toMatchObject({
      format: "data directory tar",
      pgVersionAt: "var/lib/postgresql/data/PG_VERSION",
    });
    expect((await detectArchive("a", await tarOf(["toc.dat", "3001.dat"]))).info.format).toBe("pg_dump tar");
  });
});

async function tarOf(names: string[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => p.on("end", () => r()));
  for (const n of names) p.entry({ name: n }, "17\n");
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}
