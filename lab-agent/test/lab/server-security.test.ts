import { statSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerName } from "../../src/lab/lab-names.ts";
import { api, type RunningAgent, startAgent, TermClient } from "../support/agent-client.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { hostDocker } from "../support/lab-helpers.ts";

const lab = `sec${Date.now().toString(36)}`;
const home = tempHome();
let docker: Docker;
let agent: RunningAgent;
const clients: TermClient[] = [];

function client(opts?: ConstructorParameters<typeof TermClient>[1], token?: string): TermClient {
  const c = new TermClient({ origin: agent.origin, token: token ?? agent.token }, opts);
  clients.push(c);
  return c;
}

async function terminalCount(): Promise<number> {
  const body = (await (await api(agent, "/api/terminals")).json()) as { terminals: unknown[] };
  return body.terminals.length;
}

/** Exec instances the host engine knows for a node: an attack must not add any. */
async function execIds(role: "laptop" | "manager-1"): Promise<string[]> {
  const info = await docker.getContainer(containerName(lab, role)).inspect();
  return (info as unknown as { ExecIDs: string[] | null }).ExecIDs ?? [];
}

async function refusedUpgrade(c: TermClient): Promise<number> {
  try {
    await c.connected();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

beforeAll(async () => {
  docker = await hostDocker();
  const up = await drydock(["lab", "up", "--lab", lab], { home });
  expect(up.code, up.stderr).toBe(0);
  agent = await startAgent({ home, lab });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await agent?.stop();
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe.sequential(`the agent refuses what it should (lab ${lab})`, () => {
  it("listens on 127.0.0.1 with a 256-bit token kept in a 0600 file", () => {
    expect(agent.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(agent.token, "base64url")).toHaveLength(32);
    expect(statSync(join(home, "agent-token")).mode & 0o777).toBe(0o600);
    expect(agent.stdout()).toContain(`/?token=${agent.token}`);
  });

  it("HTTP: status with the token; 401 without or with a wrong one; security headers, no CORS", async () => {
    const ok = await api(agent, "/api/lab");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { lab: string; healthy: boolean }).healthy).toBe(true);
    expect(ok.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(ok.headers.get("x-frame-options")).toBe("DENY");
    expect(ok.headers.get("access-control-allow-origin")).toBeNull();

    const none = await fetch(`${agent.origin}/api/lab`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.hint).toContain("drydock start");
    const wrong = await api(agent, "/api/lab", { headers: { Authorization: `Bearer ${"x".repeat(43)}` } });
    expect(wrong.status).toBe(401);
    expect((await fetch(`${agent.origin}/`)).status).toBe(401);
    const version = await api(agent, "/api/version");
    expect(await version.json()).toMatchObject({ name: "drydock", lab });
  });

  it("the opening URL trades its token for an HttpOnly cookie and redirects it away", async () => {
    const open = await fetch(`${agent.origin}/?token=${agent.token}`, { redirect: "manual" });
    expect(open.status).toBe(303);
    expect(open.headers.get("location")).toBe("/");
    const cookie = open.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(`${agent.origin}/api/version`, {
      headers: { Cookie: cookie.split(";")[0] ?? "" },
    });
    expect(page.status).toBe(200);
    expect((await fetch(`${agent.origin}/?token=wrong`, { redirect: "manual" })).status).toBe(401);
  });

  it("a foreign Host (DNS rebinding) or Origin is refused, over HTTP and before a WebSocket exists", async () => {
    // fetch will not send a foreign Host; node:http will, as a rebinding browser would.
    const status = await new Promise<number>((resolve, reject) => {
      request(
        `${agent.origin}/api/lab`,
        { headers: { Host: `evil.test:${agent.port}`, Authorization: `Bearer ${agent.token}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
    const cross = await api(agent, "/api/terminals", {
      method: "POST",
      headers: { Origin: "http://evil.test", "Content-Type": "application/json" },
      body: JSON.stringify({ node: "laptop" }),
    });
    expect(cross.status).toBe(403);
    // The check results' event stream is guarded like every route.
    const crossStream = await api(agent, "/api/checks/h03-04/events", {
      headers: { Origin: "http://evil.test" },
    });
    expect(crossStream.status).toBe(403);
    expect((await fetch(`${agent.origin}/api/checks/h03-04/events`)).status).toBe(401);
    const execsBefore = await execIds("laptop");
    expect(await refusedUpgrade(client({ headers: { Origin: "http://evil.test" } }))).toBe(403);
    // Another local port is another origin too.
    expect(await refusedUpgrade(client({ headers: { Origin: "http://127.0.0.1:1" } }))).toBe(403);
    expect(await refusedUpgrade(client({ headers: { Host: `evil.test:${agent.port}` } }))).toBe(403);
    expect(await refusedUpgrade(client({ headers: { Authorization: "" } }, ""))).toBe(401);
    expect(await refusedUpgrade(client({}, "not-the-token"))).toBe(401);
    // The agent's own origin is fine.
    const own = client({ headers: { Origin: agent.origin } });
    expect(await refusedUpgrade(own)).toBe(101);
    own.close();
    expect(await terminalCount()).toBe(0);
    expect(await execIds("laptop")).toEqual(execsBefore);
  });

  it("oversized and malformed frames close the socket, spawn nothing, and the agent survives", async () => {
    const execsBefore = await execIds("laptop");
    const big = client();
    await big.connected();
    big.send(JSON.stringify({ type: "open", node: "laptop", cols: 80, rows: 24, pad: "x".repeat(300_000) }));
    expect((await big.waitClosed()).code).toBe(1009);

    const cases: unknown[] = [
      "not json",
      { type: "input", data: "ls\r" }, // input before open/attach
      { type: "open", node: "laptop", cols: 70000, rows: 24 },
      { type: "open", node: "host", cols: 80, rows: 24 },
      { type: "attach", terminalId: "../../etc", cols: 80, rows: 24 },
      { type: "open", node: "laptop", cols: 80, rows: 24, command: "rm -rf /" },
      { type: "shell", cmd: "id" },
    ];
    for (const frame of cases) {
      const c = client();
      await c.connected();
      c.send(frame);
      const closed = await c.waitClosed();
      expect(closed.code, JSON.stringify(frame)).toBe(1008);
      expect(c.controls.find((m) => m.type === "error")).toBeDefined();
    }
    const binary = client();
    await binary.connected();
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect((await binary.waitClosed()).code).toBe(1003);
    expect(await terminalCount()).toBe(0);
    expect(await execIds("laptop")).toEqual(execsBefore);

    // After a good open, a bad frame closes the socket but not the terminal.
    const live = client();
    await live.open("laptop");
    live.send({ type: "resize", cols: 0, rows: 24 });
    expect((await live.waitClosed()).code).toBe(1008);
    expect(await terminalCount()).toBe(1);
    const closeAll = (await (await api(agent, "/api/terminals")).json()) as {
      terminals: Array<{ id: string }>;
    };
    for (const t of closeAll.terminals) await api(agent, `/api/terminals/${t.id}`, { method: "DELETE" });
    expect(await terminalCount()).toBe(0);
    expect((await api(agent, "/api/version")).status).toBe(200);
  });

  it("a message flood on one socket is cut off", async () => {
    const c = client();
    const id = await c.open("manager-1");
    for (let i = 0; i < 2_000 && !c.closed; i++) c.send({ type: "ping" });
    const closed = await c.waitClosed();
    expect(closed.code).toBe(1008);
    expect(closed.reason).toBe("rate-limited");
    // Only the socket is cut off: the terminal waits for a reattach until closed.
    expect((await api(agent, `/api/terminals/${id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("a flood of terminal creations gets 429 after the cap, over HTTP and WebSocket", async () => {
    const statuses: number[] = [];
    const created: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await api(agent, "/api/terminals", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ node: "worker-1" }),
      });
      statuses.push(res.status);
      if (res.status === 201) created.push(((await res.json()) as { terminal: { id: string } }).terminal.id);
      else expect(((await res.json()) as { error: { code: string } }).error.code).toBe("too-many");
    }
    const limits = ((await (await api(agent, "/api/terminals")).json()) as { limits: { perNode: number } })
      .limits;
    expect(statuses.filter((s) => s === 201)).toHaveLength(limits.perNode);
    expect(statuses.slice(limits.perNode).every((s) => s === 429)).toBe(true);
    const ws = client();
    await ws.connected();
    ws.send({ type: "open", node: "worker-1", cols: 80, rows: 24 });
    expect((await ws.waitClosed()).code).toBe(1013);
    expect(ws.controls.find((m) => m.type === "error")).toMatchObject({ code: "too-many" });
    for (const id of created) await api(agent, `/api/terminals/${id}`, { method: "DELETE" });
    expect(await terminalCount()).toBe(0);
  });

  it("a zod-invalid body gets 400 naming the field; an unknown route 404", async () => {
    const res = await api(agent, "/api/terminals", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ node: "laptop", cols: "wide" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("usage");
    expect(body.error.message).toContain("`cols`");
    expect((await api(agent, "/api/nothing")).status).toBe(404);
    expect(await terminalCount()).toBe(0);
  });

  it("lab actions stream progress as NDJSON, ending with the result", async () => {
    const res = await api(agent, "/api/lab/up", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { kind: string; result?: { healthy: boolean } });
    expect(lines.some((l) => l.kind === "step")).toBe(true);
    expect(lines.at(-1)).toMatchObject({ kind: "result", result: { healthy: true } });
    const bad = await api(agent, "/api/lab/up", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ offline: "yes" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("`offline`");
  });

  it("a taken port is a clear error naming --port", async () => {
    const second = await drydock(["start", "--no-open", "--lab", lab, "--port", String(agent.port)], {
      home,
    });
    expect(second.code).toBe(8);
    expect(second.stderr).toContain(`Port ${agent.port}`);
    expect(second.stderr).toContain("--port");
  });
});
