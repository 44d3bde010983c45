import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAllExercises } from "../../lab-agent/src/exercises/load-exercises.ts";
import { builtPages, pageWeight } from "../scripts/page-weight.ts";
import { BLOCK_IDS, BLOCKS, type Deliverable, DRILL_IDS } from "../src/course/course-schema.ts";
import { toEntry } from "../src/course/exercises-loader.ts";
import { pageDeliverables } from "../src/course/page-deliverables.ts";
import { validatePage } from "../src/course/validate-page.ts";
import { contentPages, frontmatterOf, repoRoot, siteDir } from "./support/site-files.ts";

// The real build, into a temporary folder (site/dist may be served by a running agent).
const outDir = mkdtempSync(join(tmpdir(), "drydock-site-build-"));
let pages: Map<string, string>;
/** The `exercises` collection's entries, as the build makes them. */
const exercises = loadAllExercises().map(toEntry);

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

/**
 * Runs astro in site/ and waits for it without blocking this worker (a minute-long spawnSync
 * starves vitest's own messages: "Timeout calling onTaskUpdate").
 */
function astro(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(join(repoRoot, "node_modules", ".bin", "astro"), args, {
      cwd: siteDir,
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  const build = await astro(["build", "--outDir", outDir]);
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

  it('says "checked in the lab" only for a deliverable with a check, "not checked yet" for the others', () => {
    const checkedIds = new Set(loadAllExercises().flatMap((e) => e.deliverables.map((d) => d.id)));
    const said = { lab: [] as string[], "not-yet": [] as string[] };
    for (const id of BLOCK_IDS) {
      const html = readFileSync(pages.get(`/hours/${id}/`) as string, "utf8");
      for (const m of html.matchAll(
        /<li data-deliverable="([^"]+)" data-checked="([^"]+)"[^>]*>([\s\S]*?)<\/li>/g,
      )) {
        const [, deliverable, checked, inner] = m as unknown as [string, string, string, string];
        if (checked === "lab") {
          said.lab.push(deliverable);
          expect(inner, deliverable).toContain("checked in the lab");
        } else {
          expect(inner, deliverable).not.toContain("checked in the lab");
          if (checked === "not-yet") said["not-yet"].push(deliverable);
        }
        expect(checked === "lab", deliverable).toBe(checkedIds.has(deliverable));
      }
      // Only blocks with checks load the live panel.
      expect(html.includes('data-checks="lab"'), id).toBe(exercises.some((e) => e.block === id));
    }
    expect(new Set(said.lab)).toEqual(checkedIds);
    // Every block has its checks now: no page promises a lab check that does not exist.
    expect(said["not-yet"]).toEqual([]);
    // Titles come from exercise.yaml: the h17 page no longer promises "no failed requests".
    const h17 = readFileSync(pages.get("/hours/h17/") as string, "utf8");
    expect(h17).toContain("An update to a new digest completes with every task on it");
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

  it("uses each deliverable id once in the whole course, in exercise.yaml or frontmatter", () => {
    const ids = [
      ...exercises.flatMap((e) => e.deliverables.map((d) => d.id)),
      ...all.flatMap((p) =>
        ((p.frontmatter as { deliverables?: Deliverable[] }).deliverables ?? []).map((d) => d.id),
      ),
    ];
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    expect(ids).toContain("dockerfile-multi-stage");
    expect(ids).toContain("image-non-root");
    expect(ids).toContain("backup-restore-tested");
  });

  it("gives every hour page deliverables, and each exercise the hours and rubric level of its page", () => {
    for (const p of all.filter((p) => p.slug.startsWith("hours/"))) {
      const fm = p.frontmatter as { block: string; rubricLevel: number; deliverables?: Deliverable[] };
      const exercise = exercises.find((e) => e.block === fm.block);
      expect(
        pageDeliverables({ block: fm.block, deliverables: fm.deliverables ?? [] }, exercise).length,
      ).toBeGreaterThan(0);
      if (!exercise) continue;
      expect(exercise.hours, fm.block).toEqual(BLOCKS.find((b) => b.id === fm.block)?.hours);
      expect(exercise.rubricLevel, fm.block).toBe(fm.rubricLevel);
    }
  });

  it("refuses a deliverable listed in both exercise.yaml and the page's frontmatter", () => {
    const exercise = exercises.find((e) => e.block === "h03-04");
    const page = {
      block: "h03-04",
      deliverables: [{ id: "image-non-root", title: "Runs as non-root", checkedBy: "lab" as const }],
    };
    expect(() => pageDeliverables(page, exercise)).toThrow(
      /image-non-root is checked in exercises\/h03-04\/exercise.yaml/,
    );
    expect(() => pageDeliverables({ block: "h07-08", deliverables: [] }, undefined)).toThrow(
      /lists no deliverables/,
    );
  });

  it("rejects a broken page, naming the file and each bad field", () => {
    const file = "site/test/fixtures/broken-hour.md";
    const problems = validatePage(file, frontmatterOf(join(repoRoot, file)));
    expect(problems.every((p) => p.startsWith(`${file}: `))).toBe(true);
    const fields = problems.map((p) => p.split(": ")[1]);
    expect(fields).toEqual(expect.arrayContaining(["block", "rubricLevel", "deliverables.0.id"]));
    expect(problems.join("\n")).toMatch(/deliverables\.0\.id: a deliverable id is kebab-case/);
  });

  it("a malformed lab exercise fails the site's build, naming the file, the path in it and the reason", async () => {
    // A copy of a real exercise with one field broken; the build reads it through DRYDOCK_EXERCISES_DIR.
    const dir = mkdtempSync(join(tmpdir(), "drydock-bad-exercise-"));
    cpSync(join(repoRoot, "exercises", "h03-04"), join(dir, "h03-04"), { recursive: true });
    const file = join(dir, "h03-04", "exercise.yaml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/^hours:.*$/m, "hours: lots"));
    try {
      const sync = await astro(["sync"], { DRYDOCK_EXERCISES_DIR: dir });
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
