import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../common/paths.ts";
import type { Progress } from "../common/progress.ts";
import { runCommand } from "../common/run-command.ts";

export const STARTER_APP = "reg-case-platform";
const SOURCE = join(repoRoot, "exercises", STARTER_APP);
/** What the learner gets: the sources, not the repository's build output or tests. */
const FILES = ["README.md", "package.json", "package-lock.json", "tsconfig.json", "src", "migrations"];
/** Document templates (hours 19-20): copied one by one, so a workspace seeded before them gets them too. */
const TEMPLATES = join("ops", "templates");
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
  for (const f of readdirSync(join(SOURCE, TEMPLATES))) {
    const to = join(target, TEMPLATES, f);
    if (existsSync(to)) continue;
    mkdirSync(join(target, TEMPLATES), { recursive: true });
    cpSync(join(SOURCE, TEMPLATES, f), to);
  }
  if (copied || !existsSync(join(target, ".git"))) await initGitRepo(target, progress);
  // Copied once: copying it again would change the build context of the Dockerfile's
  // `--mount=type=bind,source=.npm-cache` and so miss the build cache on every solve.
  if (existsSync(join(target, NPM_CACHE_DIR, CACHE_INDEX))) return { copied, npmCache: true };
  const cache = await npmCache(home, progress);
  if (!cache) return { copied, npmCache: false };
  cpSync(cache, join(target, NPM_CACHE_DIR), { recursive: true });
  return { copied, npmCache: true };
}

/** What the starter repository never tracks: the offline npm cache, build output, private keys. */
const GITIGNORE = [".npm-cache/", "node_modules/", "dist/", "diagnostics/", "*.key", ""].join("\n");

/**
 * Makes the starter app a git repository with a first commit (hours 13-14 tag images with the
 * commit; without one they would come out as `sha-nogit`). Only where there is no `.git` yet;
 * without git on the host it says so and goes on.
 */
async function initGitRepo(target: string, progress: Progress): Promise<void> {
  if (existsSync(join(target, ".git"))) return;
  if (!existsSync(join(target, ".gitignore"))) writeFileSync(join(target, ".gitignore"), GITIGNORE);
  const git = (...args: string[]) =>
    runCommand("git", [
      "-C",
      target,
      "-c",
      "user.name=Drydock",
      "-c",
      "user.email=drydock@lab.invalid",
      ...args,
    ]).catch((err: Error) => ({ code: 1, stdout: "", stderr: err.message }));
  for (const args of [
    ["init", "-q", "-b", "main"],
    ["add", "-A"],
    ["commit", "-q", "-m", "Starter app: reg-case-platform 1.0.0"],
  ]) {
    const r = await git(...args);
    if (r.code !== 0) {
      progress({
        kind: "warn",
        message: `The starter app is not a git repository (git ${args[0]}: ${r.stderr.trim().split("\n").pop()}); run git init in it before hours 13-14.`,
      });
      return;
    }
  }
  progress({ kind: "info", message: `Made ${target} a git repository with a first commit.` });
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
