import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtPages, pageWeight } from "../scripts/page-weight.ts";
import { BLOCK_IDS, DRILL_IDS } from "../src/course/course-schema.ts";
import { validatePage } from "../src/course/validate-page.ts";
import { contentPages, frontmatterOf, repoRoot, siteDir } from "./support/site-files.ts";

// The real build, into a temporary folder (site/dist may be served by a running agent).
const outDir = mkdtempSync(join(tmpdir(), "drydock-site-build-"));
let pages: Map<string, string>;

const EXPECTED_PAGES = [
  "/",
  "/mental-model/",
  "/lab/",
  ...BLOCK_IDS.map((id) => `/hours/${id}/`),
  ...DRILL_IDS.map((id) => `/drills/${id}/`),
  "/reviews/release-checklist/",
  "/reviews/adr-template/",
  "/reviews/maturity-rubric/",
  "/reviews/failure-modes/",
];

beforeAll(() => {
  const astro = join(repoRoot, "node_modules", ".bin", "astro");
  const build = spawnSync(astro, ["build", "--outDir", outDir], {
    cwd: siteDir,
    encoding: "utf8",
    env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0)
    throw new Error(`astro build failed (${build.status}):\n${build.stdout}\n${build.stderr}`);
  pages = builtPages(outDir);
}, 180_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("the built course site", () => {
  it("has every page, including all 12 hour blocks by id", () => {
    const missing = EXPECTED_PAGES.filter((p) => !pages.has(p));
    expect(missing).toEqual([]);
    expect(BLOCK_IDS).toHaveLength(12);
  });

  it("has no internal link or asset reference that points nowhere", () => {
    const broken: string[] = [];
    for (const [page, file] of pages) {
      const html = readFileSync(file, "utf8");
      for (const m of html.matchAll(/\s(?:href|src)="([^"]+)"/g)) {
        const target = internalTarget(page, m[1] as string);
        if (target !== undefined && !resolvesToFile(target)) broken.push(`${page} → ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("ships at most 30 kB of JavaScript (gzip) on text pages, and xterm only on demand", () => {
    for (const page of ["/", "/mental-model/", "/reviews/release-checklist/"]) {
      const w = pageWeight(outDir, page);
      expect(w.initialGzip, `${page}: ${w.initialFiles.join(", ")}`).toBeLessThanOrEqual(30 * 1024);
      expect(w.lazyFiles.some((f) => f.includes("terminal-session"))).toBe(false);
    }
    const hour = pageWeight(outDir, "/hours/h03-04/");
    expect(hour.initialFiles.some((f) => f.includes("terminal-session"))).toBe(false);
    expect(hour.lazyFiles.some((f) => f.includes("terminal-session"))).toBe(true);
  });

  it("gives every hour page the lab dock and its run buttons", () => {
    for (const id of BLOCK_IDS) {
      const html = readFileSync(pages.get(`/hours/${id}/`) as string, "utf8");
      expect(html, id).toContain("<drydock-dock");
      expect(html, id).toContain('class="dd-run');
      expect(html, id).toContain("data-deliverable=");
    }
    const home = readFileSync(pages.get("/") as string, "utf8");
    expect(home).not.toContain("<drydock-dock");
    expect(home).toContain("npm start");
  });
});

describe("course frontmatter", () => {
  const all = contentPages();

  it("validates on every page against the build's own schema", () => {
    const problems = all.flatMap((p) => validatePage(relative(repoRoot, p.file), p.frontmatter));
    expect(problems).toEqual([]);
  });

  it("puts each hour block at /hours/<block id>/ with its block id, once", () => {
    const hours = all.filter((p) => p.slug.startsWith("hours/"));
    expect(hours.map((p) => p.slug).sort()).toEqual(BLOCK_IDS.map((id) => `hours/${id}`).sort());
    for (const p of hours) expect((p.frontmatter as { block?: string }).block, p.slug).toBe(p.slug.slice(6));
  });

  it("uses each deliverable id once in the whole course", () => {
    const ids = all.flatMap((p) =>
      ((p.frontmatter as { deliverables?: { id: string }[] }).deliverables ?? []).map((d) => d.id),
    );
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids).toContain("dockerfile-multi-stage");
    expect(ids).toContain("image-non-root");
  });

  it("rejects a broken page, naming the file and each bad field", () => {
    const file = "site/test/fixtures/broken-hour.md";
    const problems = validatePage(file, frontmatterOf(join(repoRoot, file)));
    expect(problems.every((p) => p.startsWith(`${file}: `))).toBe(true);
    const fields = problems.map((p) => p.split(": ")[1]);
    expect(fields).toEqual(expect.arrayContaining(["block", "rubricLevel", "deliverables.0.id"]));
    expect(problems.join("\n")).toMatch(/deliverables\.0\.id: a deliverable id is kebab-case/);
  });

  it("a malformed lab exercise fails the site's build, naming the file, the path in it and the reason", () => {
    // A copy of a real exercise with one field broken; the build reads it through DRYDOCK_EXERCISES_DIR.
    const dir = mkdtempSync(join(tmpdir(), "drydock-bad-exercise-"));
    cpSync(join(repoRoot, "exercises", "h03-04"), join(dir, "h03-04"), { recursive: true });
    const file = join(dir, "h03-04", "exercise.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^hours:.*$/m, "hours: lots"));
    try {
      const sync = spawnSync(join(repoRoot, "node_modules", ".bin", "astro"), ["sync"], {
        cwd: siteDir,
        encoding: "utf8",
        env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", DRYDOCK_EXERCISES_DIR: dir },
      });
      expect(sync.status).not.toBe(0);
      expect(`${sync.stdout}${sync.stderr}`).toContain(
        `The exercise file ${file} is invalid at hours: Invalid input: expected array, received string.`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The file path a link points to inside the site, or undefined for external links and anchors. */
function internalTarget(page: string, href: string): string | undefined {
  if (/^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(href)) return undefined;
  const path = href.split(/[?#]/)[0] as string;
  if (path === "") return undefined;
  return path.startsWith("/") ? path : posix.join(page.endsWith("/") ? page : posix.dirname(page), path);
}

function resolvesToFile(urlPath: string): boolean {
  const decoded = decodeURIComponent(urlPath);
  const base = join(outDir, decoded);
  return [base, join(base, "index.html"), `${base}.html`].some((f) => existsSync(f) && !f.endsWith("/"));
}
