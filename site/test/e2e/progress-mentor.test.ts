import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProgressStore } from "../../../lab-agent/src/progress/progress-store.ts";
import { homeWithProgress } from "../../../lab-agent/test/support/progress-home.ts";
import { type Agent, startAgent } from "../support/agent-process.ts";
import { CHROMIUM } from "../support/chromium-setup.ts";
import { repoRoot } from "../support/site-files.ts";

/**
 * Progress and the mentor's review in Chromium, against two real agents started with --no-lab
 * (neither needs an engine): the learner's (every h03-04 deliverable passing) shows the progress
 * page, marks h03-04 finished in the sidebar and records page time from a block page's heartbeat;
 * the learner exports a scorecard with the CLI; the mentor's agent (another installation) opens it
 * on the mentor page, sees it verified, signs off an item and downloads the signed review, which
 * the learner's CLI verifies against the scorecard and imports. A tampered copy shows "Tampered".
 */
const BIN = join(repoRoot, "lab-agent", "bin", "drydock.mjs");
const lab = `mentor${Date.now().toString(36)}`;
const learnerHome = homeWithProgress(lab);
const mentorHome = mkdtempSync(join(tmpdir(), "drydock-mentor-"));
const files = mkdtempSync(join(tmpdir(), "drydock-mentor-files-"));
const shots = join(repoRoot, "test-results");
let learner: Agent;
let mentor: Agent;
let browser: Browser;
const pageErrors: string[] = [];

const cli = (home: string, args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, DRYDOCK_HOME: home },
    encoding: "utf8",
    timeout: 120_000,
  });

async function pageOf(agent: Agent): Promise<Page> {
  const page = await (
    await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  ).newPage();
  page.on("pageerror", (err) => pageErrors.push(err.message));
  await page.goto(agent.url); // keeps the token in this origin's localStorage
  return page;
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  [learner, mentor] = await Promise.all([
    startAgent(learnerHome, lab, 540_000, ["--no-lab"]),
    startAgent(mentorHome, lab, 540_000, ["--no-lab"]),
  ]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([learner?.stop(), mentor?.stop()]);
});

describe.sequential("progress and the mentor's review", () => {
  const card = join(files, "scorecard.json");
  const reviewFile = join(files, "review.json");

  it("the progress page shows the level, each block's state and practice; the sidebar marks h03-04 finished", async () => {
    const page = await pageOf(learner);
    await page.goto(`${learner.origin}/progress/`);
    const row = page.locator('drydock-progress tr[data-block="h03-04"]');
    await expect.poll(() => row.getAttribute("data-finished"), { timeout: 30_000 }).toBe("true");
    expect(await page.locator('drydock-progress tr[data-block="h05-06"]').getAttribute("data-finished")).toBe(
      "false",
    );
    expect(await row.textContent()).toMatch(/of \d+/);
    expect(await page.locator(".dd-progress-level").textContent()).toMatch(/^Rubric level \d proven/);
    expect(await page.locator(".dd-progress-missing li").count()).toBeGreaterThan(0);
    const link = page.locator('nav a[href="/hours/h03-04/"]').first();
    await expect.poll(() => link.getAttribute("data-dd-finished"), { timeout: 30_000 }).toBe("true");
    expect(await link.locator(".dd-finished").count()).toBe(1);
    expect(await page.locator('nav a[href="/hours/h05-06/"] .dd-finished').count()).toBe(0);
    await page.screenshot({ path: join(shots, "site-progress.png") });
    await page.context().close();
  });

  it("a block's page in front counts as page time for that block", async () => {
    const page = await pageOf(learner);
    await page.goto(`${learner.origin}/hours/h05-06/`);
    await page.bringToFront();
    const pageMs = () => {
      const store = new ProgressStore(learnerHome);
      try {
        return store.practiceTime(lab).find((p) => p.block === "h05-06")?.pageMs ?? 0;
      } finally {
        store.close();
      }
    };
    await expect.poll(pageMs, { timeout: 45_000 }).toBeGreaterThan(0);
    // Text pages without a block send nothing.
    const before = new ProgressStore(learnerHome);
    const blocksBefore = before
      .practiceTime(lab)
      .map((p) => p.block)
      .sort();
    before.close();
    expect(blocksBefore).not.toContain("h01-02");
    await page.context().close();
  });

  it("the mentor opens the scorecard, sees it verified, signs off an item and downloads the review", async () => {
    const exported = cli(learnerHome, [
      "scorecard",
      "export",
      "--lab",
      lab,
      "--name",
      "Ana P.",
      "--out",
      card,
    ]);
    expect(exported.status, exported.stderr).toBe(0);
    const page = await pageOf(mentor);
    await page.goto(`${mentor.origin}/reviews/mentor/`);
    const root = page.locator("drydock-mentor");
    await expect.poll(() => root.locator("input.dd-mentor-file").isEnabled(), { timeout: 30_000 }).toBe(true);
    await root.locator("input.dd-mentor-file").setInputFiles(card);
    await expect.poll(() => root.getAttribute("data-verified"), { timeout: 30_000 }).toBe("true");
    expect(await root.locator(".dd-mentor-verdict").textContent()).toMatch(
      /^Verified: .*another installation/,
    );
    expect(await root.locator(".dd-mentor-learner").textContent()).toBe("Learner: Ana P.");
    expect(await root.locator('tr[data-deliverable^="h03-04/"][data-status="pass"]').count()).toBeGreaterThan(
      3,
    );
    expect(pageErrors).toEqual([]);
    const item = root.locator('li[data-item="h20/adr-written"]');
    expect(await item.textContent()).toMatch(/ADR/i);
    await item.locator("input[type=checkbox]").check();
    await item.locator("textarea").fill("Context and consequences are clear.");
    await root.locator("input.dd-mentor-name").fill("Mentor M.");
    await root.locator("button.dd-mentor-sign").click();
    const result = root.locator(".dd-mentor-result");
    await expect.poll(() => result.getAttribute("data-verified"), { timeout: 30_000 }).toBe("true");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      result.locator("a.dd-mentor-download").click(),
    ]);
    await download.saveAs(reviewFile);
    await page.screenshot({ path: join(shots, "site-mentor-review.png"), fullPage: true });
    await page.context().close();

    const review = JSON.parse(readFileSync(reviewFile, "utf8"));
    expect(review.type).toContain("EndorsementCredential");
    expect(review.drydockReview.signOffs).toEqual([
      { item: "h20/adr-written", comment: "Context and consequences are clear." },
    ]);
    // Verified by the learner's own CLI, against the very scorecard, then imported.
    const verified = cli(learnerHome, ["scorecard", "verify", reviewFile, "--scorecard", card, "--json"]);
    expect(verified.status, verified.stdout + verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({
      verified: true,
      boundToScorecard: true,
      thisInstallation: false,
    });
    const imported = cli(learnerHome, ["scorecard", "import-review", reviewFile]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("h20/adr-written");
  });

  it("a tampered copy shows Tampered, naming what changed, and offers no sign-off; a review is refused as a scorecard", async () => {
    const copy = JSON.parse(readFileSync(card, "utf8"));
    copy.credentialSubject.identifier[0].identityHash = "Somebody Else";
    const tampered = join(files, "tampered.json");
    writeFileSync(tampered, JSON.stringify(copy));
    const page = await pageOf(mentor);
    await page.goto(`${mentor.origin}/reviews/mentor/`);
    const root = page.locator("drydock-mentor");
    await expect.poll(() => root.locator("input.dd-mentor-file").isEnabled(), { timeout: 30_000 }).toBe(true);
    await root.locator("input.dd-mentor-file").setInputFiles(tampered);
    await expect.poll(() => root.getAttribute("data-verified"), { timeout: 30_000 }).toBe("false");
    expect(await root.locator(".dd-mentor-verdict").textContent()).toMatch(/^Tampered: .*no longer match/);
    expect(await root.locator("form.dd-mentor-form").count()).toBe(0);

    await root.locator("input.dd-mentor-file").setInputFiles(reviewFile);
    await expect
      .poll(() => root.locator(".dd-mentor-status").textContent(), { timeout: 30_000 })
      .toMatch(/a mentor's review, not a scorecard/);
    await page.context().close();
  });
});
