import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckResult } from "../../../lab-agent/src/course/check-wire.ts";
import { ProgressStore } from "../../../lab-agent/src/progress/progress-store.ts";
import { type Agent, labDown, startAgent } from "../support/agent-process.ts";
import { CHROMIUM } from "../support/chromium-setup.ts";
import { repoRoot } from "../support/site-files.ts";

/**
 * The deliverables panel says how old each result is and marks it stale when the lab changed
 * after it was taken: a result stored ten minutes ago, then the Dockerfile its check reads saved
 * while no agent ran; the page marks it stale, Check now makes it fresh; a later save marks it
 * stale again, live, until the agent's own re-run replaces it.
 */
const lab = `age${Date.now().toString(36)}`;
const home = mkdtempSync(join(tmpdir(), "drydock-site-age-"));
const workspace = join(home, "workspaces", lab);
const takenAt = new Date(Date.now() - 10 * 60_000).toISOString();
let agent: Agent;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  // The learner's Dockerfile, saved after the result below was taken (lab up keeps this folder).
  mkdirSync(join(workspace, "reg-case-platform"), { recursive: true });
  copyFileSync(
    join(repoRoot, "exercises", "h03-04", "Dockerfile"),
    join(workspace, "reg-case-platform", "Dockerfile"),
  );
  // A result from an earlier run (as `drydock check` stores it), ten minutes old.
  const store = new ProgressStore(home);
  const result: CheckResult = {
    id: "dockerfile-multi-stage",
    check: "dockerfile.multistage",
    block: "h03-04",
    status: "fail",
    summary: "No Dockerfile at reg-case-platform/Dockerfile.",
    evidence: [{ source: "reg-case-platform/Dockerfile", field: "file", observed: "absent" }],
    hint: "Write one.",
    durationMs: 2,
    waits: false,
    at: takenAt,
  };
  store.saveRun({ lab, block: "h03-04", startedAt: takenAt, durationMs: 2, results: [result] }, "cli");
  store.close();
  agent = await startAgent(home, lab);
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
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(agent.url);
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  labDown(home, lab);
});

describe.sequential(`result ages on lab ${lab}`, () => {
  const item = () => page.locator('drydock-deliverables li[data-deliverable="dockerfile-multi-stage"]');

  it("shows when a result was taken, with the time on hover, and that the lab changed since", async () => {
    await page.goto(`${agent.origin}/hours/h03-04/`);
    const panel = page.locator("drydock-deliverables");
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(() => panel.getAttribute("data-live"), { timeout: 30_000 }).toBe("on");
    await expect.poll(() => item().getAttribute("data-status"), { timeout: 30_000 }).toBe("fail");
    // Ten minutes old when stored; the lab's start since then adds a few.
    const minutes = Math.floor((Date.now() - Date.parse(takenAt)) / 60_000);
    expect(await item().locator("time.dd-age").textContent()).toMatch(
      new RegExp(`^(?:${minutes - 1}|${minutes}) min ago$`),
    );
    expect(minutes).toBeGreaterThanOrEqual(10);
    expect(await item().locator("time.dd-age").getAttribute("datetime")).toBe(takenAt);
    expect(await item().locator("time.dd-age").getAttribute("title")).toMatch(/^Checked .*\d/);
    expect(await item().locator(".dd-checked-by").textContent()).toBe("checked in the lab");
    // The agent reads the file's time at its first look: no event needed.
    await expect.poll(() => item().getAttribute("data-stale"), { timeout: 30_000 }).toBe("true");
    expect(await item().locator(".dd-stale").textContent()).toContain("stale: the lab changed since");
    expect(await item().locator(".dd-stale").getAttribute("title")).toMatch(
      /^The lab changed .* check again\.$/,
    );
    await page.screenshot({
      path: join(repoRoot, "test-results", "site-deliverables-stale.png"),
      fullPage: false,
    });
  });

  it("is fresh after Check now", async () => {
    await page.locator("drydock-deliverables .dd-check-now").click();
    await expect.poll(() => item().getAttribute("data-status"), { timeout: 120_000 }).toBe("pass");
    expect(await item().getAttribute("data-stale")).toBe("false");
    expect(await item().locator("time.dd-age").textContent()).toBe("just now");
    expect(await item().locator(".dd-stale").count()).toBe(0);
  });

  it("is stale again, live, when the Dockerfile is saved, until the agent's own re-run replaces it", async () => {
    // Every value data-stale takes, so the short stale spell before the re-run is not missed.
    await page.evaluate(() => {
      const li = document.querySelector('li[data-deliverable="dockerfile-multi-stage"]') as HTMLElement;
      const seen: string[] = [];
      (window as unknown as { staleSeen: string[] }).staleSeen = seen;
      new MutationObserver(() => seen.push(li.dataset.stale ?? "")).observe(li, {
        attributes: true,
        attributeFilter: ["data-stale"],
      });
    });
    const before = await item().locator("time.dd-age").getAttribute("datetime");
    appendFileSync(join(workspace, "reg-case-platform", "Dockerfile"), "\n# saved again\n");
    const seen = () => page.evaluate(() => (window as unknown as { staleSeen: string[] }).staleSeen);
    await expect.poll(seen, { timeout: 30_000 }).toContain("true");
    await expect
      .poll(() => item().locator("time.dd-age").getAttribute("datetime"), { timeout: 60_000 })
      .not.toBe(before);
    expect(await item().getAttribute("data-stale")).toBe("false");
  });
});
