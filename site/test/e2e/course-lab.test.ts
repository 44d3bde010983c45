import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Agent, labDown, startAgent } from "../support/agent-process.ts";
import { CHROMIUM } from "../support/chromium-setup.ts";
import { repoRoot } from "../support/site-files.ts";

/**
 * The course in a real browser against a real agent and lab: start the lab from an hour page,
 * run a command in a terminal, reload and find the screen restored, form the swarm.
 */
const lab = `e2e${Date.now().toString(36)}`;
const home = mkdtempSync(join(tmpdir(), "drydock-site-e2e-"));
const shots = join(repoRoot, "test-results");
let agent: Agent;
let browser: Browser;
let page: Page;

const dock = () => page.locator("drydock-dock");
const terminalText = (node: string) =>
  dock().locator(`[role=tabpanel][data-node="${node}"] .xterm-rows`).textContent();

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  agent = await startAgent(home, lab);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  labDown(home, lab);
});

describe.sequential(`the course site on lab ${lab}`, () => {
  it("opens with the token and shows the home page", async () => {
    await page.goto(agent.url);
    // The agent trades the token for a cookie and drops it from the address bar.
    expect(new URL(page.url()).searchParams.has("token")).toBe(false);
    await expect.poll(() => page.locator("h1").first().textContent()).toBe("Drydock");
    await page.screenshot({ path: join(shots, "site-home.png"), fullPage: true });
  });

  it("starts the lab from Hours 3-4 and shows progress, then healthy nodes", async () => {
    await page.goto(`${agent.origin}/hours/h03-04/`);
    await page.locator(".dd-dock-launcher").click();
    const start = dock().locator("button[data-action=up]");
    await expect.poll(() => start.isEnabled(), { timeout: 30_000 }).toBe(true);
    await start.click();
    await expect
      .poll(() => dock().locator("[data-progress] li").count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => dock().locator("[data-progress] li").last().textContent(), { timeout: 240_000 })
      .toBe("Done.");
    await expect
      .poll(() => dock().locator("[data-nodes] tbody tr[data-healthy=true]").count(), { timeout: 30_000 })
      .toBe(5);
  });

  it("runs a command in the laptop terminal with one click", async () => {
    const block = page.locator(".dd-run", { hasText: "runs Docker" }).first();
    await block.locator("button[data-run]").click();
    await expect.poll(() => terminalText("laptop"), { timeout: 60_000 }).toMatch(/laptop runs Docker 26\./);
    await page.screenshot({ path: join(shots, "site-hour-terminal.png") });
  });

  it("restores the terminal screen after a reload", async () => {
    await page.reload();
    // The dock is remembered open on the terminal view; the shell is re-attached and replayed.
    await expect.poll(() => dock().isVisible()).toBe(true);
    await expect.poll(() => terminalText("laptop"), { timeout: 60_000 }).toMatch(/laptop runs Docker 26\./);
    await expect.poll(() => dock().locator(".dd-term-state").textContent()).toContain("connected");
  });

  it("forms the swarm from the lab panel and shows three swarm nodes", async () => {
    await dock().locator("[role=tab][data-view=lab]").click();
    const swarm = dock().locator("button[data-action=swarm]");
    await expect.poll(() => swarm.isEnabled(), { timeout: 30_000 }).toBe(true);
    await swarm.click();
    await expect
      .poll(() => dock().locator("[data-progress] li").last().textContent(), { timeout: 120_000 })
      .toBe("Done.");
    const roles = async () =>
      Promise.all(
        ["manager-1", "worker-1", "worker-2"].map((n) =>
          dock().locator(`[data-nodes] tr[data-role="${n}"] td`).nth(2).textContent(),
        ),
      );
    await expect.poll(roles, { timeout: 30_000 }).toEqual(["manager", "worker", "worker"]);
    await expect.poll(() => dock().locator("[data-summary]").textContent()).toMatch(/3 in the swarm/);
    await page.screenshot({ path: join(shots, "site-lab-status.png") });
  });

  it("updates the deliverables panel by itself when the lab changes, with evidence on expand", async () => {
    await page.goto(`${agent.origin}/hours/h15-16/`);
    const panel = page.locator("drydock-deliverables");
    await panel.scrollIntoViewIfNeeded();
    await expect.poll(() => panel.getAttribute("data-live"), { timeout: 30_000 }).toBe("on");
    const swarm = panel.locator('li[data-deliverable="swarm-initialized"]');
    // The swarm formed above was a Docker event: the agent has checked the block already.
    await expect.poll(() => swarm.getAttribute("data-status"), { timeout: 60_000 }).toBe("pass");
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    // A worker leaves the swarm, as a learner might by mistake: no click, no reload.
    const left = spawnSync("docker", ["exec", `drydock-${lab}-worker-2`, "docker", "swarm", "leave"], {
      encoding: "utf8",
    });
    expect(left.status, left.stderr).toBe(0);
    await expect.poll(() => swarm.getAttribute("data-status"), { timeout: 90_000 }).toBe("fail");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(
      true,
    );
    await swarm.locator("details.dd-result summary").click();
    await expect
      .poll(() => swarm.locator("details.dd-result summary").textContent())
      .toMatch(/^fails: .*1 ready worker/);
    await expect.poll(() => swarm.locator("details.dd-result ul").textContent()).toMatch(/worker-2/);
    expect(await swarm.locator(".dd-hint").textContent()).not.toBe("");
    await page.screenshot({ path: join(shots, "site-deliverables-live.png"), fullPage: true });
  });
});
