import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../common/paths.ts";
import type { Progress } from "../common/progress.ts";
import { runCommand } from "../common/run-command.ts";

export const STARTER_APP = "reg-case-platform";
const SOURCE = join(repoRoot, "exercises", STARTER_APP);
/** What the learner gets: the sources, not the repository's build output or tests. */
const FILES = ["README.md", "package.json", "package-lock.json", "tsconfig.json", "src", "migrations"];
/** An npm cache of the app's locked dependencies, so `npm ci --offline` works in a lab with no internet. */
export const NPM_CACHE_DIR = ".npm-cache";
/** A filled npm cache has this index (npm keeps its content-addressed store under `_cacache`). */
const CACHE_INDEX = join("_cacache", "index-v5");

/**
 * Copies the starter app into a workspace when it is not there yet (never overwrites the
 * learner's copy), with an offline npm cache beside its sources.
 */
export async function seedStarterApp(
  workspace: string,
  home: string,
  progress: Progress,
): Promise<{ copied: boolean; npmCache: boolean }> {
  const target = join(workspace, STARTER_APP);
  let copied = false;
  if (!existsSync(join(target, "package.json"))) {
    mkdirSync(target, { recursive: true });
    for (const f of FILES) cpSync(join(SOURCE, f), join(target, f), { recursive: true });
    copied = true;
    progress({ kind: "info", message: `Copied the starter app into ${target}.` });
  }
  // Copied once: copying it again would change the build context of the Dockerfile's
  // `--mount=type=bind,source=.npm-cache` and so miss the build cache on every solve.
  if (existsSync(join(target, NPM_CACHE_DIR, CACHE_INDEX))) return { copied, npmCache: true };
  const cache = await npmCache(home, progress);
  if (!cache) return { copied, npmCache: false };
  cpSync(cache, join(target, NPM_CACHE_DIR), { recursive: true });
  return { copied, npmCache: true };
}

/** Where the host keeps the npm cache for the starter app's current lockfile. */
export function hostNpmCacheDir(home: string): string {
  const lock = readFileSync(join(SOURCE, "package-lock.json"));
  return join(home, "npm-cache", createHash("sha256").update(lock).digest("hex").slice(0, 16));
}

/**
 * Fills (once per lockfile) an npm cache on the host, where npm can reach its registry.
 * npm's own default registry is used (no user config), so the lab's npm finds the same keys.
 */
async function npmCache(home: string, progress: Progress): Promise<string | undefined> {
  const dir = hostNpmCacheDir(home);
  if (existsSync(join(dir, CACHE_INDEX))) return dir;
  const work = mkdtempSync(join(tmpdir(), "drydock-npm-"));
  try {
    cpSync(join(SOURCE, "package.json"), join(work, "package.json"));
    cpSync(join(SOURCE, "package-lock.json"), join(work, "package-lock.json"));
    const args = ["ci", "--userconfig", "/dev/null", "--cache", join(work, "cache")];
    args.push("--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", work);
    const result = await runCommand("npm", args).catch((err: Error) => ({
      code: 1,
      stdout: "",
      stderr: err.message,
    }));
    if (result.code !== 0) {
      progress({
        kind: "warn",
        message: `Could not prepare an offline npm cache for the starter app (${result.stderr.trim().split("\n").pop()}); \`npm ci\` in the lab then needs the internet.`,
      });
      return undefined;
    }
    mkdirSync(join(home, "npm-cache"), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(work, "cache"), dir, { recursive: true });
    return dir;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
