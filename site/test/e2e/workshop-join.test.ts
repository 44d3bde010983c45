import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readZipStore } from "../../../lab-agent/src/common/zip-store.ts";
import { saveRun } from "../../../lab-agent/src/drills/drill-state.ts";
import { DrillRun } from "../../../lab-agent/src/drills/drill-types.ts";
import { verifyScorecard } from "../../../lab-agent/src/score/scorecard.ts";
import type { AgentServer } from "../../../lab-agent/src/server/agent-server.ts";
import type { TerminalLauncher } from "../../../lab-agent/src/terminal/terminal-launcher.ts";
import type { LabStarter } from "../../../lab-agent/src/workshop/learner-labs.ts";
import { removeLabResources } from "../../../lab-agent/src/workshop/remove-lab.ts";
import { newEvent, Roster } from "../../../lab-agent/src/workshop/roster.ts";
import { drydock } from "../../../lab-agent/test/support/cli.ts";
import { hostDocker } from "../../../lab-agent/test/support/lab-helpers.ts";
import {
  callAgent,
  startOfflineAgent,
  startWorkshopAgent,
} from "../../../lab-agent/test/support/offline-agent.ts";
import { CHROMIUM } from "../support/chromium-setup.ts";
import { repoRoot } from "../support/site-files.ts";

/**
 * Issue 17's scenario in Chromium, through the site: three learners join on the join page, each
 * in a browser context of their own, and each works in their own lab from the ordinary course
 * page (terminal in their lab, their seat kept across a reload, no credential in any address); the
 * fourth of three seats sees "full"; the lead's dashboard shows all three live with a drill, the
 * lead watches one read-only and what they type never reaches the shell; the lead extends the
 * event, exports the results CSV and every scorecard (verified), and ends the event, which the
 * learners' pages then say. Labs are in memory (no engine, seconds); DRYDOCK_WORKSHOP_TEST=1 runs
 * the same against real labs started by the agent's Docker starter, removed afterwards.
 */
const REAL = process.env.DRYDOCK_WORKSHOP_TEST === "1";
/** Polls: labs in memory are ready at once; three real labs on a 2-core host take minutes. */
const LAB_WAIT = REAL ? 900_000 : 30_000;
const WAIT = REAL ? 120_000 : 30_000;
const home = mkdtempSync(join(tmpdir(), "drydock-workshop-join-"));
const token = "j".repeat(43);
let code = "ROOM-4242";
let agent: AgentServer;
let browser: Browser;
let docker: Docker | undefined;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

const memoryStarter: LabStarter = {
  async up() {},
  async down() {},
  async subnetsInUse() {
    return [];
  },
};
const catLauncher: TerminalLauncher = {
  async prepare() {
    return { file: "/bin/cat", args: [], env: { PATH: "/usr/bin:/bin" }, hangUp: async () => {} };
  },
};

const api = async (path: string, as?: string, body?: unknown) => callAgent(agent.origin, path, as, body);

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  return page;
}

interface Learner {
  name: string;
  page: Page;
  id: string;
  lab: string;
  credential: string;
}
const learners: Learner[] = [];

const joinBox = (page: Page) => page.locator("drydock-workshop-join");
async function submitJoin(page: Page, eventCode: string, name: string): Promise<void> {
  await page.locator("input[name=code]").fill(eventCode);
  await page.locator("input[name=name]").fill(name);
  await page.getByRole("button", { name: "Join the workshop" }).click();
}
const problemText = (page: Page) => page.locator("[data-error]").textContent();

beforeAll(async () => {
  if (REAL) {
    docker = await hostDocker();
    ({ agent, code } = await startWorkshopAgent({
      home,
      token,
      docker,
      seats: 3,
      siteDir: join(repoRoot, "site", "dist"),
    }));
  } else {
    agent = await startOfflineAgent({
      token,
      lab: "lead",
      home,
      siteDir: join(repoRoot, "site", "dist"),
      learnerLabs: memoryStarter,
      terminalLauncher: catLauncher,
    });
    await new Roster(home).start(newEvent({ seats: 3, code }, Date.now()));
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
  });
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await agent?.close();
  if (REAL && docker) {
    // Every lab of this event, by `workshop stop`, then by each learner's own lab label.
    await drydock(["workshop", "stop"], { home }).catch(() => undefined);
    for (const l of learners) await removeLabResources(docker, l.lab).catch(() => {});
  }
});

describe.sequential("a workshop through the site", () => {
  it("tells a learner plainly what is wrong with the form: no code, a wrong code, no name, a long name", async () => {
    const page = await newPage();
    await page.goto(`${agent.origin}/workshop/join/`);
    await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("form");
    await submitJoin(page, "", "Ana");
    await expect.poll(() => problemText(page)).toBe("Enter the event code the workshop lead shows.");
    await submitJoin(page, "WRNG-0000", "Ana");
    await expect.poll(() => problemText(page), { timeout: WAIT }).toContain("That event code is not right.");
    await submitJoin(page, code, "   ");
    await expect
      .poll(() => problemText(page))
      .toBe("Enter a display name: it is how the workshop lead sees you.");
    await submitJoin(page, code, "A".repeat(41));
    await expect
      .poll(() => problemText(page))
      .toBe("A display name has at most 40 characters (this one has 41).");
    expect((await api("/api/workshop/roster", token)).json.learners).toEqual([]);
    await page.context().close();
  });

  it(
    "seats three learners, each in their own browser and lab, kept across a reload",
    async () => {
      for (const name of ["Ana", "Budi", "Citra"]) {
        const page = await newPage();
        await page.goto(`${agent.origin}/workshop/join/`);
        await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("form");
        await submitJoin(page, code, name);
        await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("seat");
        const seat = JSON.parse(
          (await page.evaluate(() => localStorage.getItem("drydock.workshop-seat"))) ?? "{}",
        ) as { credential: string; learner: { id: string; lab: string; name: string } };
        expect(seat.learner.name).toBe(name);
        learners.push({
          name,
          page,
          id: seat.learner.id,
          lab: seat.learner.lab,
          credential: seat.credential,
        });
      }
      // Their labs start in the background, all three at once; each page shows its own.
      for (const l of learners) {
        const { page } = l;
        const lab = page.locator("[data-lab]");
        await expect.poll(() => lab.getAttribute("data-lab-state"), { timeout: LAB_WAIT }).toBe("ready");
        expect(await lab.textContent()).toContain(l.lab);
        // The credential is in this origin's storage only: never in an address.
        expect(page.url()).not.toContain(l.credential);
        await page.reload();
        await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("seat");
        expect(await page.locator("[data-welcome]").textContent()).toContain(`You are in, ${l.name}`);
      }
      expect(new Set(learners.map((l) => l.lab)).size).toBe(3);
    },
    LAB_WAIT + 300_000,
  );

  it("gives each learner the course page's terminal in their own lab", async () => {
    for (const l of learners) {
      const { page } = l;
      await page.locator("[data-course]").click();
      await expect.poll(() => page.url()).toContain("/hours/h01-02/");
      expect(page.url()).not.toContain(l.credential);
      await page.locator(".dd-dock-launcher").click();
      const dock = page.locator("drydock-dock");
      await dock.locator("[role=tab][data-view=lab]").click();
      await expect
        .poll(() => dock.locator("drydock-lab-status").getAttribute("data-workshop-lab"), { timeout: WAIT })
        .toBe(l.lab);
      await expect.poll(() => dock.locator("[data-summary]").textContent()).toContain("ready");
      await dock.locator("[role=tab][data-view=terminal]").click();
      await expect
        .poll(() => dock.locator(".dd-term-state").textContent(), { timeout: WAIT })
        .toContain("connected");
      await dock.locator('[role=tabpanel][data-node="laptop"] .xterm').click();
      await page.keyboard.type(`echo mark-${l.name}\n`);
      await expect
        .poll(() => dock.locator('[role=tabpanel][data-node="laptop"] .xterm-rows').textContent(), {
          timeout: WAIT,
        })
        .toContain(`mark-${l.name}`);
    }
    // Each learner's one terminal is in their own lab: the roster lists it under them only.
    const roster = (await api("/api/workshop/roster", token)).json;
    for (const l of learners) {
      const row = roster.learners.find((r: { id: string }) => r.id === l.id);
      expect(
        row.terminals.map((t: { node: string }) => t.node),
        l.name,
      ).toEqual(["laptop"]);
    }
    const leadTerminals = (await api("/api/terminals", token)).json.terminals;
    expect(leadTerminals).toEqual([]);
  });

  it("shows the fourth of three seats a clear 'full' page", async () => {
    const page = await newPage();
    await page.goto(`${agent.origin}/workshop/join/`);
    await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("form");
    await submitJoin(page, code, "Dewi");
    await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("full");
    expect(await page.locator("[data-full] h2").textContent()).toBe("This workshop is full");
    expect(await page.locator("[data-full-text]").textContent()).toContain("all 3 seats are taken");
    expect(await page.evaluate(() => localStorage.getItem("drydock.workshop-seat"))).toBeNull();

    // Wrong codes from this address, ten in a minute: the next join is throttled, said plainly.
    for (let i = 0; i < 10; i++) await api("/api/workshop/join", undefined, { code: "WRNG-0000", name: "x" });
    await page.reload();
    await expect.poll(() => joinBox(page).getAttribute("data-state"), { timeout: WAIT }).toBe("form");
    await submitJoin(page, "WRNG-1111", "Dewi");
    await expect
      .poll(() => problemText(page), { timeout: WAIT })
      .toContain("Too many wrong event codes; wait a minute.");
  });

  let lead: Page;
  const dialogs: string[] = [];
  it("shows the lead all three learners live, with a learner's drill", async () => {
    const [ana] = learners;
    if (!ana) throw new Error("no learners");
    // What the agent knows of Ana's drill (drill-state.ts), as a drill started in her lab leaves it.
    saveRun(
      home,
      DrillRun.parse({
        drill: "container-crash",
        lab: ana.lab,
        phase: "active",
        startedAt: new Date().toISOString(),
        verdict: "pending",
      }),
    );
    lead = await newPage();
    lead.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    await lead.goto(`${agent.origin}/#token=${token}`);
    await lead.goto(`${agent.origin}/workshop/lead/`);
    const rows = lead.locator("drydock-workshop tr[data-learner]");
    await expect.poll(() => rows.count(), { timeout: WAIT }).toBe(3);
    for (const l of learners) {
      const row = lead.locator(`drydock-workshop tr[data-learner="${l.id}"]`);
      await expect.poll(() => row.textContent(), { timeout: WAIT }).toContain("ready");
      expect(await row.textContent()).toContain(l.name);
    }
    const anaRow = lead.locator(`drydock-workshop tr[data-learner="${ana.id}"]`);
    expect(await anaRow.textContent()).toContain("container-crash: running (pending)");
    const budiRow = lead.locator(`drydock-workshop tr[data-learner="${learners[1]?.id}"]`);
    expect(await budiRow.textContent()).not.toContain("container-crash");
  });

  it("lets the lead watch a learner read-only: what the lead types never reaches the shell", async () => {
    const [ana] = learners;
    if (!ana) throw new Error("no learners");
    const anaRow = lead.locator(`drydock-workshop tr[data-learner="${ana.id}"]`);
    await anaRow.getByRole("button", { name: "Watch laptop" }).click();
    await expect
      .poll(() => lead.locator(".dd-workshop-watch-state").textContent(), { timeout: WAIT })
      .toContain("watching (read-only)");
    const screen = lead.locator(".dd-workshop-watch-screen .xterm-rows");
    await expect.poll(() => screen.textContent(), { timeout: WAIT }).toContain("mark-Ana");
    await lead.locator(".dd-workshop-watch-screen").click();
    await lead.keyboard.type("echo INTRUDER\n");
    // Ana types after the lead did: her line arrives, the lead's never does.
    const anaTerm = ana.page.locator('drydock-dock [role=tabpanel][data-node="laptop"] .xterm-rows');
    await ana.page.locator('drydock-dock [role=tabpanel][data-node="laptop"] .xterm').click();
    await ana.page.keyboard.type("echo after-the-lead\n");
    await expect.poll(() => screen.textContent(), { timeout: WAIT }).toContain("after-the-lead");
    await expect.poll(() => anaTerm.textContent(), { timeout: WAIT }).toContain("after-the-lead");
    expect(await anaTerm.textContent()).not.toContain("INTRUDER");
    expect(await screen.textContent()).not.toContain("INTRUDER");
  });

  it("extends the event, and exports the results CSV and every learner's verified scorecard", async () => {
    const before = (await api("/api/workshop/roster", token)).json.event.minutesLeft as number;
    await lead.locator(".dd-workshop-controls input[name=minutes]").fill("0");
    await lead.getByRole("button", { name: "Extend", exact: true }).click();
    const note = lead.locator("[data-controls-note]");
    await expect.poll(() => note.textContent()).toBe("Extend by a whole number of minutes from 1 to 240.");
    await lead.locator(".dd-workshop-controls input[name=minutes]").fill("30");
    await lead.getByRole("button", { name: "Extend", exact: true }).click();
    await expect.poll(() => note.textContent(), { timeout: WAIT }).toContain("Extended by 30 min");
    const after = (await api("/api/workshop/roster", token)).json.event.minutesLeft as number;
    expect(after).toBeGreaterThanOrEqual(before + 29);

    const [csv] = await Promise.all([
      lead.waitForEvent("download", { timeout: WAIT }),
      lead.getByRole("button", { name: "Results (CSV)" }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^results-[a-f0-9]{16}\.csv$/);
    const text = readFileSync((await csv.path()) as string, "utf8");
    const lines = text.trim().split(/\r?\n/);
    expect(lines).toHaveLength(4);
    for (const l of learners) expect(text).toContain(l.name);

    const [zip] = await Promise.all([
      lead.waitForEvent("download", { timeout: WAIT * 4 }),
      lead.getByRole("button", { name: "Every scorecard (zip)" }).click(),
    ]);
    expect(zip.suggestedFilename()).toMatch(/^scorecards-[a-f0-9]{16}\.zip$/);
    const entries = readZipStore(readFileSync((await zip.path()) as string));
    expect(entries.map((e) => e.name)).toEqual([
      "scorecard-01-ana.json",
      "scorecard-02-budi.json",
      "scorecard-03-citra.json",
    ]);
    for (const [i, e] of entries.entries()) {
      expect(e.crcOk).toBe(true);
      const verdict = await verifyScorecard(JSON.parse(e.data.toString()));
      expect(verdict.verified, verdict.reason).toBe(true);
      expect(verdict.name).toContain(learners[i]?.name);
    }
  }, 600_000);

  it("ends the event after a confirm; the learners' pages say it is over", async () => {
    await lead.getByRole("button", { name: "End the workshop…" }).click();
    await expect
      .poll(() => lead.locator(".dd-workshop-status").textContent(), { timeout: WAIT })
      .toContain("the event is over");
    expect(dialogs.some((m) => m.startsWith("End the workshop now?"))).toBe(true);
    expect(await lead.getByRole("button", { name: "Extend", exact: true }).isDisabled()).toBe(true);
    const [ana] = learners;
    if (!ana) throw new Error("no learners");
    await ana.page.goto(`${agent.origin}/workshop/join/`);
    await expect.poll(() => joinBox(ana.page).getAttribute("data-state"), { timeout: WAIT }).toBe("ended");
    expect(await ana.page.locator("[data-lab]").textContent()).toContain("This workshop ended");
    expect(errors).toEqual([]);
  });
});
