import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { silentProgress } from "../../src/common/progress.ts";
import {
  hostNpmCacheDir,
  NPM_CACHE_DIR,
  STARTER_APP,
  seedStarterApp,
} from "../../src/exercises/starter-app.ts";
import { tempHome } from "../support/cli.ts";

const home = tempHome();
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("seedStarterApp", () => {
  it("copies the app and the host's npm cache once, then leaves the learner's copy alone", async () => {
    const workspace = join(home, "workspace");
    // A host cache already filled for this lockfile (npm keeps its index under _cacache/).
    const hostCache = hostNpmCacheDir(home);
    mkdirSync(join(hostCache, "_cacache", "index-v5"), { recursive: true });
    writeFileSync(join(hostCache, "_cacache", "index-v5", "entry"), "first");

    const first = await seedStarterApp(workspace, home, silentProgress);
    expect(first).toEqual({ copied: true, npmCache: true });
    const app = join(workspace, STARTER_APP);
    const entry = join(app, NPM_CACHE_DIR, "_cacache", "index-v5", "entry");
    expect(readFileSync(entry, "utf8")).toBe("first");
    expect(existsSync(join(app, "src"))).toBe(true);

    // The learner edits the app; the host cache changes. Copying the cache again would change the
    // build context of `--mount=type=bind,source=.npm-cache` and miss Docker's build cache.
    writeFileSync(join(app, "package.json"), '{"name":"mine"}');
    writeFileSync(join(hostCache, "_cacache", "index-v5", "entry"), "second");
    const before = statSync(entry).mtimeMs;
    const second = await seedStarterApp(workspace, home, silentProgress);
    expect(second).toEqual({ copied: false, npmCache: true });
    expect(readFileSync(join(app, "package.json"), "utf8")).toBe('{"name":"mine"}');
    expect(readFileSync(entry, "utf8")).toBe("first");
    expect(statSync(entry).mtimeMs).toBe(before);
  });
});
