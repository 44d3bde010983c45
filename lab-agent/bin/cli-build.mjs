// The compiled CLI: lab-agent/src bundled by esbuild into lab-agent/dist/<build>/ (gitignored),
// so `drydock` starts without transpiling TypeScript. `freshCli()` returns the compiled entry,
// rebuilding it first when any source it was built from changed (or appeared, or went away):
// edit a .ts file, run `drydock`, and the new code runs. `npm install` builds it ahead
// (the root `prepare` script runs this file), so the first command is fast too.
//
// The fast path only reads dist/build.json and stats the files it lists; esbuild and the lock
// are loaded when a build is needed. Packages (node_modules) stay external: native modules
// (node-pty, better-sqlite3), dockerode and the rest load from node_modules as before.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Where things are; a test points `agentDir` at a copy. */
export function layout(agentDir = resolve(here, "..")) {
  return {
    agentDir,
    entry: join(agentDir, "src", "cli", "main.ts"),
    // Builds sit two levels under the repository (lab-agent/dist/<build>/), as the sources do
    // (lab-agent/src/common/): paths.ts finds the repository root three folders up from itself.
    distDir: join(agentDir, "dist"),
    manifest: join(agentDir, "dist", "build.json"),
  };
}

function fingerprint(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat ? [stat.mtimeMs, stat.size] : null;
}

/** The compiled entry's path if the last build is current, otherwise undefined. */
export function currentBuild(paths = layout()) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(paths.manifest, "utf8"));
  } catch {
    return undefined;
  }
  if (manifest.version !== MANIFEST_VERSION) return undefined;
  for (const [file, seen] of Object.entries(manifest.inputs)) {
    const now = fingerprint(join(paths.agentDir, file));
    if (!now || now[0] !== seen[0] || now[1] !== seen[1]) return undefined;
  }
  const main = join(paths.distDir, manifest.build, "main.mjs");
  return fingerprint(main) ? main : undefined;
}

const MANIFEST_VERSION = 1;

/** The compiled entry, built first if stale. Build errors are thrown (esbuild's messages). */
export async function freshCli(paths = layout(), opts = {}) {
  return currentBuild(paths) ?? (await build(paths, opts));
}

async function build(paths, { log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } = await import("node:fs");
  const { randomBytes } = await import("node:crypto");
  const { relative } = await import("node:path");
  const { default: lockfile } = await import("proper-lockfile");
  mkdirSync(paths.distDir, { recursive: true });
  const lockTarget = join(paths.distDir, "build");
  let release;
  while (!release) {
    try {
      release = await lockfile.lock(lockTarget, { realpath: false, stale: 30_000 });
    } catch (err) {
      if (err.code !== "ELOCKED") throw err;
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  try {
    // Another process may have built it while this one waited.
    const built = currentBuild(paths);
    if (built) return built;
    const started = Date.now();
    const previous = (() => {
      try {
        return JSON.parse(readFileSync(paths.manifest, "utf8")).build;
      } catch {
        return undefined;
      }
    })();
    // Fingerprints are taken before esbuild reads the files: a file saved during the build
    // then differs from its recorded fingerprint, and the next run builds again.
    const before = new Map();
    const srcDir = join(paths.agentDir, "src");
    for (const entry of readdirSync(srcDir, { recursive: true })) {
      const file = relative(paths.agentDir, join(srcDir, entry));
      before.set(file, fingerprint(join(paths.agentDir, file)));
    }
    const id = `${started.toString(36)}-${randomBytes(3).toString("hex")}`;
    const outdir = join(paths.distDir, id);
    const esbuild = await import("esbuild");
    const result = await esbuild.build({
      absWorkingDir: paths.agentDir,
      entryPoints: { main: paths.entry },
      outdir,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      outExtension: { ".js": ".mjs" },
      chunkNames: "[name]-[hash]",
      keepNames: true,
      sourcemap: "linked",
      metafile: true,
      logLevel: "silent",
    });
    const inputs = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      const file = relative(paths.agentDir, resolve(paths.agentDir, input));
      inputs[file] = before.get(file) ?? fingerprint(join(paths.agentDir, file));
    }
    // This file decides how sources are compiled: a change to it rebuilds too.
    const self = fileURLToPath(import.meta.url);
    inputs[relative(paths.agentDir, self)] = fingerprint(self);
    const manifest = { version: MANIFEST_VERSION, build: id, inputs };
    const temp = `${paths.manifest}.${id}`;
    writeFileSync(temp, `${JSON.stringify(manifest)}\n`);
    renameSync(temp, paths.manifest);
    // Older builds go; the one just replaced stays for a process that read the manifest
    // a moment ago and is about to load it.
    for (const name of readdirSync(paths.distDir)) {
      if (name === id || name === previous || name.startsWith("build")) continue;
      rmSync(join(paths.distDir, name), { recursive: true, force: true });
    }
    if (process.env.DRYDOCK_DEBUG) log(`drydock: compiled the CLI in ${Date.now() - started} ms`);
    return join(outdir, "main.mjs");
  } catch (err) {
    if (err.errors) {
      // esbuild's own report: file, line, column and the offending source line.
      const { formatMessages } = await import("esbuild");
      const text = await formatMessages(err.errors, { kind: "error", color: process.stderr.isTTY });
      throw Object.assign(new Error(`Could not compile the drydock CLI:\n${text.join("")}`), {
        compile: true,
      });
    }
    throw err;
  } finally {
    await release().catch(() => {});
  }
}

// `node lab-agent/bin/cli-build.mjs` (the root `prepare` script, run by npm install and npm ci).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await freshCli();
  } catch (err) {
    // A source that does not compile must not fail `npm install`: `drydock` compiles again
    // at its next start and shows the error there.
    process.stderr.write(`${err.message}\n`);
  }
}
