import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { AgentServer } from "../../../lab-agent/src/server/agent-server.ts";
import type { TerminalLauncher } from "../../../lab-agent/src/terminal/terminal-launcher.ts";
import type { LabStarter } from "../../../lab-agent/src/workshop/learner-labs.ts";
import { newEvent, Roster } from "../../../lab-agent/src/workshop/roster.ts";
import { callAgent, startOfflineAgent } from "../../../lab-agent/test/support/offline-agent.ts";
import { CHROMIUM } from "../support/chromium-setup.ts";
import { repoRoot } from "../support/site-files.ts";

/**
 * The lead's workshop dashboard in Chromium, against the real agent server and the built site
 * (no engine: seconds, so it runs in every suite), with learners' labs in memory and terminals running `cat` in a
 * real PTY: both learners show live; the lead watches Ana's terminal and sees her typing, and
 * what the lead types never reaches her shell; "reset lab" restarts her lab.
 */
const home = mkdtempSync(join(tmpdir(), "drydock-workshop-dashboard-"));
const token = "d".repeat(43);
const CODE = "ROOM-5150";
let agent: AgentServer;
let browser: Browser;
const starter: LabStarter = {
  async up() {},
  async down() {},
  async subnetsInUse() {
    return [];
  },
};
const launcher: TerminalLauncher = {
  async prepare() {
    return { file: "/bin/cat", args: [], env: { PATH: "/usr/bin:/bin" }, hangUp: async () => {} };
  },
};

const api = async (path: string, as?: string, body?: unknown) =>
  (await callAgent(agent.origin, path, as, body)).json;

describe("the lead's workshop dashboard", () => {
  beforeAll(async () => {
    agent = await startOfflineAgent({
      token,
      lab: "lead",
      home,
      siteDir: join(repoRoot, "site", "dist"),
      learnerLabs: starter,
      terminalLauncher: launcher,
    });
    await new Roster(home).start(newEvent({ seats: 3, code: CODE }, Date.now()));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.close();
  });

  it("shows both learners live, watches one read-only, and resets a lab", async () => {
    const ana = await api("/api/workshop/join", undefined, { code: CODE, name: "Ana" });
    await api("/api/workshop/join", undefined, { code: CODE, name: "Budi" });
    await expect
      .poll(async () => (await api("/api/workshop/me", ana.credential)).lab.state, { timeout: 30_000 })
      .toBe("ready");
    const terminal = (await api("/api/terminals", ana.credential, { node: "laptop" })).terminal;
    // Ana's own view of her terminal (a socket as her page would open it).
    const ticket = (
      await api("/api/tickets", ana.credential, { purpose: "terminal-attach", terminalId: terminal.id })
    ).ticket;
    const ws = new WebSocket(`${agent.origin.replace("http", "ws")}/ws/terminal`);
    let anaOutput = "";
    ws.on("message", (data, binary) => {
      if (binary) anaOutput += data.toString();
    });
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(JSON.stringify({ type: "attach", ticket, terminalId: terminal.id, cols: 80, rows: 24 }));

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${agent.origin}/#token=${token}`);
    await page.goto(`${agent.origin}/workshop/lead/`);
    const rows = page.locator("drydock-workshop tr[data-learner]");
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(2);
    const anaRow = page.locator(`drydock-workshop tr[data-learner="${ana.learner.id}"]`);
    await expect.poll(() => anaRow.textContent(), { timeout: 30_000 }).toContain("ready");

    await anaRow.getByRole("button", { name: "Watch laptop" }).click();
    const state = page.locator(".dd-workshop-watch-state");
    await expect.poll(() => state.textContent(), { timeout: 30_000 }).toContain("watching (read-only)");
    ws.send(JSON.stringify({ type: "input", data: "hello-from-ana\r" }));
    const screen = page.locator(".dd-workshop-watch-screen .xterm-rows");
    await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toContain("hello-from-ana");

    // The lead types into the watched terminal: nothing reaches Ana's shell.
    await page.locator(".dd-workshop-watch-screen").click();
    await page.keyboard.type("INTRUDER\n");
    ws.send(JSON.stringify({ type: "input", data: "after-the-lead\r" }));
    await expect.poll(() => screen.textContent(), { timeout: 30_000 }).toContain("after-the-lead");
    await expect.poll(() => anaOutput, { timeout: 30_000 }).toContain("after-the-lead");
    expect(anaOutput).not.toContain("INTRUDER");
    ws.close();

    await anaRow.getByRole("button", { name: "Reset lab" }).click();
    await expect
      .poll(async () => (await api("/api/workshop/me", ana.credential)).lab.state, { timeout: 30_000 })
      .toBe("ready");
    await expect.poll(() => anaRow.textContent(), { timeout: 30_000 }).toContain("ready");
    expect(errors).toEqual([]);
  });
});
