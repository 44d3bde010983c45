import { execFile } from "node:child_process";
import { chmod, cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { type Services, startServices } from "./services.ts";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    redisUrl: string;
    appDir: string;
    /** The built app's runtime files only (dist, production node_modules, migrations). */
    runtimeDir: string;
    /** A folder for test files (secrets, migration sets), removed after the run. */
    scratchDir: string;
  }
}

let services: Services | undefined;
let runtimeDir: string | undefined;
let scratchDir: string | undefined;

/**
 * Builds the app the way a learner's Dockerfile would (`npm run build`), then starts a real
 * PostgreSQL and Redis for the integration tests. Both are stopped again in teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[reg-case-platform] ${line}`);
  await promisify(execFile)(
    process.execPath,
    [join(appDir, "node_modules", "typescript", "bin", "tsc"), "-p", appDir],
    {
      cwd: appDir,
    },
  ).catch((error: { stdout?: string }) => {
    throw new Error(`npm run build failed in ${appDir}:\n${error.stdout ?? String(error)}`);
  });
  runtimeDir = await stageRuntime();
  scratchDir = await mkdtemp(join(tmpdir(), "reg-case-scratch-"));
  await chmod(scratchDir, 0o755);
  services = await startServices(log);
  project.provide("pgAdminUrl", services.pgAdminUrl);
  project.provide("redisUrl", services.redisUrl);
  project.provide("appDir", appDir);
  project.provide("runtimeDir", runtimeDir);
  project.provide("scratchDir", scratchDir);
  return async () => {
    await services?.stop();
    for (const dir of [runtimeDir, scratchDir]) if (dir) await rm(dir, { recursive: true, force: true });
  };
}

/**
 * Copies what a runtime image would hold into a world-readable folder, so the tests run the app
 * the way a container does: without its build tools, as an arbitrary uid, from a read-only tree.
 */
async function stageRuntime(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "reg-case-runtime-"));
  const devOnly = ["typescript", "@types"].map((name) => join(appDir, "node_modules", name));
  for (const entry of ["package.json", "dist", "migrations", "node_modules"]) {
    await cp(join(appDir, entry), join(dir, entry), {
      recursive: true,
      filter: (src) => !devOnly.some((skip) => src === skip || src.startsWith(`${skip}/`)),
    });
  }
  await chmod(dir, 0o755);
  return dir;
}
