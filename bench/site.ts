import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pageWeight } from "../site/scripts/page-weight.ts";

/**
 * Course site figures: build time, and the JavaScript (gzip) a page ships before anyone
 * interacts: a text-only page, and an hour page before its terminal is opened. The lazy
 * figure is what opening the lab panel and a terminal adds (xterm, the panel's code).
 */
export async function run(_args: string[]): Promise<void> {
  const root = join(import.meta.dirname, "..");
  const out = mkdtempSync(join(tmpdir(), "drydock-bench-site-"));
  const figure = (name: string, value: number, unit: string) =>
    process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);
  try {
    const started = performance.now();
    const build = spawnSync(join(root, "node_modules", ".bin", "astro"), ["build", "--outDir", out], {
      cwd: join(root, "site"),
      encoding: "utf8",
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
    });
    if (build.status !== 0) throw new Error(`astro build failed:\n${build.stdout}\n${build.stderr}`);
    figure("site.build", (performance.now() - started) / 1000, "s");
    for (const [name, page] of [
      ["home", "/"],
      ["text_page", "/reviews/release-checklist/"],
      ["hour_page", "/hours/h03-04/"],
    ] as const) {
      const w = pageWeight(out, page);
      figure(`site.js.${name}.initial_gzip`, w.initialGzip / 1024, "kB");
      figure(`site.js.${name}.lazy_gzip`, w.lazyGzip / 1024, "kB");
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
