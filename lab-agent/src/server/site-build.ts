import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { withFileLock } from "../common/file-lock.ts";
import { LogTail, type Progress, step } from "../common/progress.ts";

export interface SiteBuild {
  /** The built site, when there is one. */
  dir?: string;
  /** Why there is none (or why it may be stale), in words for a person. */
  problem?: string;
}

const SKIP = new Set(["node_modules", "dist", ".astro", ".drydock-site-build.lock"]);
const STAMP = ".drydock-build-hash";

/**
 * Builds the course site (`npm run build -w site` → site/dist) when its sources changed
 * since the last build, judged by a hash of site/ (minus outputs) kept in dist/.
 * A failed build is reported, not thrown: the agent still serves its API.
 */
export async function ensureSiteBuilt(repoRoot: string, progress: Progress): Promise<SiteBuild> {
  const siteDir = join(repoRoot, "site");
  const dist = join(siteDir, "dist");
  if (!existsSync(join(siteDir, "package.json"))) return { problem: `there is no site at ${siteDir}` };
  const hash = sourceHash(siteDir);
  const stampFile = join(dist, STAMP);
  const fresh = () => existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === hash;
  if (fresh()) return { dir: dist };
  // Two `drydock start`s at once must not build into the same folder: the second waits and reuses.
  return withFileLock(
    join(siteDir, ".drydock-site-build"),
    {
      onWait: () =>
        progress({ kind: "info", message: "Another Drydock is building the course site; waiting…" }),
    },
    async () => (fresh() ? { dir: dist } : buildSite(repoRoot, dist, stampFile, hash, progress)),
  );
}

async function buildSite(
  repoRoot: string,
  dist: string,
  stampFile: string,
  hash: string,
  progress: Progress,
): Promise<SiteBuild> {
  const tail = new LogTail(30);
  const code = await step(progress, "site", "Building the course site", () =>
    run("npm", ["run", "build", "-w", "site"], repoRoot, (line) => {
      tail.push(line);
      progress({ kind: "log", id: "site", line });
    }),
  );
  if (code !== 0) {
    progress({
      kind: "warn",
      message: `The course site did not build (npm run build -w site exited ${code}); the API still works.\n${tail}`,
    });
    return existsSync(join(dist, "index.html"))
      ? { dir: dist, problem: "the last build failed; this is the previous one" }
      : { problem: "its build failed (see the output of `npm run build -w site`)" };
  }
  writeFileSync(stampFile, `${hash}\n`);
  return { dir: dist };
}

export function sourceHash(siteDir: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        hash.update(`${relative(siteDir, path)}\0`);
        hash.update(readFileSync(path));
        hash.update("\0");
      }
    }
  };
  walk(siteDir);
  return hash.digest("hex");
}

function run(file: string, args: string[], cwd: string, onLine: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
    });
    const lines = (chunk: Buffer) => {
      for (const line of chunk.toString("utf8").split(/\r?\n/)) if (line.trim()) onLine(line);
    };
    child.stdout.on("data", lines);
    child.stderr.on("data", lines);
    child.on("error", (err) => {
      onLine(err.message);
      resolve(127);
    });
    child.on("close", (code) => resolve(code ?? 1));
  });
}
