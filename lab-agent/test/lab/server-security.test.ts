import { existsSync, readFileSync, statSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerName } from "../../src/lab/lab-names.ts";
import { api, mintTicket, type RunningAgent, startAgent, TermClient } from "../support/agent-client.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { hostDocker } from "../support/lab-helpers.ts";

const lab = `sec${Date.now().toString(36)}`;
const home = tempHome();
let docker: Docker;
let agent: RunningAgent;
const clients: TermClient[] = [];
/** Every ticket value this file saw: none may appear in a log. */
const ticketsSeen: string[] = [];
/** Minted right after start, presented at the end (> 30 s later). */
let earlyTicket: { value: string; mintedAt: number };

function client(opts?: ConstructorParameters<typeof TermClient>[1]): TermClient {
  const c = new TermClient({ origin: agent.origin, token: agent.token }, opts);
  clients.push(c);
  return c;
}

async function ticket(grant: Parameters<typeof mintTicket>[1]): Promise<string> {
  const value = await mintTicket(agent, grant);
  ticketsSeen.push(value);
  return value;
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

/** Sends a raw request (any request target, any header) and returns the status line's code. */
function rawRequest(lines: string[]): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(agent.port, "127.0.0.1");
    let text = "";
    socket.on("data", (d) => {
      text += d.toString();
    });
    socket.on("end", () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), text }));
    socket.on("error", reject);
    socket.write(`${lines.join("\r\n")}\r\nConnection: close\r\n\r\n`);
  });
}

function agentLog(): string {
  return readFileSync(join(home, "logs", "agent.log"), "utf8");
}

/** A closed socket's code and the error frame's code before it. */
async function refusedHello(frame: unknown): Promise<{ close: number; code: string | undefined }> {
  const c = client();
  await c.connected();
  c.send(frame);
  const closed = await c.waitClosed();
  const error = c.controls.find((m) => m.type === "error");
  return { close: closed.code, code: error?.type === "error" ? error.code : undefined };
}

beforeAll(async () => {
  docker = await hostDocker();
  const up = await drydock(["lab", "up", "--lab", lab], { home });
  expect(up.code, up.stderr).toBe(0);
  agent = await startAgent({ home, lab });
  earlyTicket = { value: await ticket({ purpose: "terminal-open", node: "laptop" }), mintedAt: Date.now() };
});

afterAll(async () => {
  for (const c of clients) c.close();
  await agent?.stop();
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe.sequential(`the agent refuses what it should (lab ${lab})`, () => {
  it("listens on 127.0.0.1 with a 256-bit token in a 0600 file, printed in the URL's fragment only", () => {
    expect(agent.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(agent.token, "base64url")).toHaveLength(32);
    expect(statSync(join(home, "agent-token")).mode & 0o777).toBe(0o600);
    expect(agent.stdout()).toContain(`/#token=${agent.token}`);
    expect(agent.stdout()).not.toContain("?token=");
  });

  it("progress.db and its -wal/-shm are 0600 in a 0700 folder", async () => {
    // A stored run makes sure the WAL files exist.
    expect((await api(agent, "/api/checks/h03-04")).status).toBe(200);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const files = ["progress.db", "progress.db-wal", "progress.db-shm"].map((f) => join(home, f));
    expect(existsSync(files[0] as string)).toBe(true);
    for (const f of files.filter((f) => existsSync(f))) expect(statSync(f).mode & 0o777, f).toBe(0o600);
  });

  it("HTTP: the API needs the Bearer token; no cookie opens it; pages are public with a hash-only script CSP", async () => {
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
    // The old cookie, and the token in a query, are not credentials.
    const cookie = await fetch(`${agent.origin}/api/terminals`, {
      headers: { Cookie: `drydock_token_${agent.port}=${agent.token}` },
    });
    expect(cookie.status).toBe(401);
    expect((await fetch(`${agent.origin}/api/terminals?token=${agent.token}`)).status).toBe(401);
    const opened = await fetch(`${agent.origin}/?token=${agent.token}`, { redirect: "manual" });
    expect(opened.headers.get("set-cookie")).toBeNull();

    const page = await fetch(`${agent.origin}/hours/h03-04/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    const scriptSrc = csp.split("; ").find((d) => d.startsWith("script-src")) ?? "";
    expect(scriptSrc).not.toContain("unsafe-inline");
    expect(scriptSrc).toMatch(/'sha256-[A-Za-z0-9+/]+=*'/);
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
    const cross = await api(agent, "/api/tickets", {
      method: "POST",
      headers: { Origin: "http://127.0.0.1:1", "Content-Type": "application/json" },
      body: JSON.stringify({ purpose: "terminal-open", node: "laptop" }),
    });
    expect(cross.status).toBe(403);
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
    expect(await refusedUpgrade(client({ headers: { Authorization: "Bearer not-the-token" } }))).toBe(401);
    // The agent's own origin is fine; the socket is worth nothing until a ticket comes.
    const own = client({ headers: { Origin: agent.origin } });
    expect(await refusedUpgrade(own)).toBe(101);
    own.close();
    expect(await terminalCount()).toBe(0);
    expect(await execIds("laptop")).toEqual(execsBefore);
  });

  it("a terminal needs a good ticket: missing, forged, reused or minted for another node or terminal is refused, spawning nothing", async () => {
    const execsBefore = await execIds("laptop");
    const forged = "A".repeat(43);
    expect(await refusedHello({ type: "open", node: "laptop", cols: 80, rows: 24 })).toMatchObject({
      close: 1008,
      code: "bad-frame",
    });
    expect(await refusedHello({ type: "open", ticket: forged, node: "laptop", cols: 80, rows: 24 })).toEqual({
      close: 1008,
      code: "unauthorized",
    });
    const forManager = await ticket({ purpose: "terminal-open", node: "manager-1" });
    expect(
      await refusedHello({ type: "open", ticket: forManager, node: "laptop", cols: 80, rows: 24 }),
    ).toEqual({ close: 1008, code: "unauthorized" });
    // Spent by that refusal: not good for manager-1 either now.
    expect(
      await refusedHello({ type: "open", ticket: forManager, node: "manager-1", cols: 80, rows: 24 }),
    ).toEqual({ close: 1008, code: "unauthorized" });
    expect(await terminalCount()).toBe(0);
    expect(await execIds("laptop")).toEqual(execsBefore);

    // A good one works once.
    const good = await ticket({ purpose: "terminal-open", node: "laptop" });
    const first = client();
    await first.connected();
    first.send({ type: "open", ticket: good, node: "laptop", cols: 80, rows: 24 });
    const ready = await first.until("ready", () => first.controls.find((m) => m.type === "ready"));
    const id = ready.type === "ready" ? ready.terminal.id : "";
    expect(await refusedHello({ type: "open", ticket: good, node: "laptop", cols: 80, rows: 24 })).toEqual({
      close: 1008,
      code: "unauthorized",
    });
    expect(await refusedHello({ type: "attach", ticket: good, terminalId: id, cols: 80, rows: 24 })).toEqual({
      close: 1008,
      code: "unauthorized",
    });
    // An attach ticket is bound to its terminal; one for a terminal that does not exist is not even minted.
    const attach = await ticket({ purpose: "terminal-attach", terminalId: id });
    expect(
      await refusedHello({ type: "attach", ticket: attach, terminalId: "f".repeat(32), cols: 80, rows: 24 }),
    ).toEqual({ close: 1008, code: "unauthorized" });
    const gone = await api(agent, "/api/tickets", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ purpose: "terminal-attach", terminalId: "f".repeat(32) }),
    });
    expect(gone.status).toBe(404);
    const unauth = await fetch(`${agent.origin}/api/tickets`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ purpose: "terminal-open", node: "laptop" }),
    });
    expect(unauth.status).toBe(401);
    first.close();
    expect((await api(agent, `/api/terminals/${id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("an event stream opens with a ticket once; a reused or misbound ticket, or a ticket elsewhere, is refused", async () => {
    const t = await ticket({ purpose: "check-events", block: "h03-04" });
    const stream = await fetch(`${agent.origin}/api/checks/h03-04/events?ticket=${t}`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    await stream.body?.cancel();
    await new Promise((r) => setTimeout(r, 300)); // the agent sees the stream go
    expect((await fetch(`${agent.origin}/api/checks/h03-04/events?ticket=${t}`)).status).toBe(401);
    const other = await ticket({ purpose: "check-events", block: "h05-06" });
    expect((await fetch(`${agent.origin}/api/checks/h03-04/events?ticket=${other}`)).status).toBe(401);
    const elsewhere = await ticket({ purpose: "check-events", block: "h03-04" });
    expect((await fetch(`${agent.origin}/api/terminals?ticket=${elsewhere}`)).status).toBe(401);
    // At most 8 streams per credential at once.
    const open: Response[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await api(agent, "/api/checks/h03-04/events");
      expect(res.status).toBe(200);
      open.push(res);
    }
    expect((await api(agent, "/api/checks/h03-04/events")).status).toBe(429);
    for (const res of open) await res.body?.cancel();
  });

  it("a socket that sends no hello is closed after 5 s", async () => {
    const c = client();
    await c.connected();
    const started = Date.now();
    const closed = await c.waitClosed(10_000);
    expect(closed).toMatchObject({ code: 1008, reason: "hello-timeout" });
    expect(Date.now() - started).toBeGreaterThan(4_000);
    expect(Date.now() - started).toBeLessThan(7_000);
  });

  it("oversized and malformed frames close the socket, spawn nothing, and the agent survives", async () => {
    const execsBefore = await execIds("laptop");
    const big = client();
    await big.connected();
    big.send(JSON.stringify({ type: "open", node: "laptop", cols: 80, rows: 24, pad: "x".repeat(300_000) }));
    expect((await big.waitClosed()).code).toBe(1009);

    const t = "B".repeat(43);
    const cases: unknown[] = [
      "not json",
      { type: "input", data: "ls\r" }, // input before open/attach
      { type: "open", ticket: t, node: "laptop", cols: 70000, rows: 24 },
      { type: "open", ticket: t, node: "host", cols: 80, rows: 24 },
      { type: "attach", ticket: t, terminalId: "../../etc", cols: 80, rows: 24 },
      { type: "open", ticket: t, node: "laptop", cols: 80, rows: 24, command: "rm -rf /" },
      { type: "shell", cmd: "id" },
    ];
    for (const frame of cases) {
      const { close, code } = await refusedHello(frame);
      expect(close, JSON.stringify(frame)).toBe(1008);
      expect(code).toBeDefined();
    }
    const binary = client();
    await binary.connected();
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect((await binary.waitClosed()).code).toBe(1003);
    expect(await terminalCount()).toBe(0);
    expect(await execIds("laptop")).toEqual(execsBefore);

    // After a good open, a bad frame closes the socket but not the terminal.
    const live = client();
    const id = await live.open("laptop");
    live.send({ type: "resize", cols: 0, rows: 24 });
    expect((await live.waitClosed()).code).toBe(1008);
    expect(await terminalCount()).toBe(1);
    expect((await api(agent, `/api/terminals/${id}`, { method: "DELETE" })).status).toBe(204);
    expect(await terminalCount()).toBe(0);
    expect((await api(agent, "/api/version")).status).toBe(200);
  });

  it("a message flood, or an input flood (200 × 32 000 characters in one burst), is cut off", async () => {
    const c = client();
    const id = await c.open("manager-1");
    for (let i = 0; i < 2_000 && !c.closed; i++) c.send({ type: "ping" });
    const closed = await c.waitClosed();
    expect(closed).toMatchObject({ code: 1008, reason: "rate-limited" });

    const paster = client();
    await paster.attach(id);
    const chunk = "#".repeat(32_000);
    for (let i = 0; i < 200 && !paster.closed; i++) paster.input(chunk);
    expect(await paster.waitClosed()).toMatchObject({ code: 1008, reason: "rate-limited" });
    // Only the socket is cut off: the terminal waits for a reattach until closed.
    expect((await api(agent, `/api/terminals/${id}`, { method: "DELETE" })).status).toBe(204);
  });

  it("caps: terminals (429 / 1013), viewers per terminal (1013), open sockets (429)", async () => {
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
    ws.send({
      type: "open",
      ticket: await ticket({ purpose: "terminal-open", node: "worker-1" }),
      node: "worker-1",
      cols: 80,
      rows: 24,
    });
    expect((await ws.waitClosed()).code).toBe(1013);
    expect(ws.controls.find((m) => m.type === "error")).toMatchObject({ code: "too-many" });

    const target = created[0] as string;
    const viewers: TermClient[] = [];
    for (let i = 0; i < 8; i++) {
      const v = client();
      await v.attach(target);
      viewers.push(v);
    }
    const ninth = client();
    await ninth.connected();
    ninth.send({
      type: "attach",
      ticket: await ticket({ purpose: "terminal-attach", terminalId: target }),
      terminalId: target,
      cols: 80,
      rows: 24,
    });
    expect((await ninth.waitClosed()).code).toBe(1013);
    for (const v of viewers) v.close();
    await Promise.all(viewers.map((v) => v.waitClosed()));
    for (const id of created) await api(agent, `/api/terminals/${id}`, { method: "DELETE" });
    expect(await terminalCount()).toBe(0);

    // Sockets that never say hello still count, until the hello deadline closes them.
    const idle: TermClient[] = [];
    for (let i = 0; i < 64; i++) idle.push(client());
    await Promise.all(idle.map((c) => c.connected()));
    expect(await refusedUpgrade(client())).toBe(429);
    await Promise.all(idle.map((c) => c.waitClosed(10_000)));
    const after = client();
    expect(await refusedUpgrade(after)).toBe(101);
    after.close();
  });

  it("malformed request targets answer 400, never 500", async () => {
    const host = `Host: 127.0.0.1:${agent.port}`;
    const auth = `Authorization: Bearer ${agent.token}`;
    for (const target of [
      "//[",
      "http://[",
      "/api/checks/%E0%A4%A",
      "/%",
      "*",
      "http://127.0.0.1:1/api/lab",
    ]) {
      const res = await rawRequest([`GET ${target} HTTP/1.1`, host, auth]);
      expect(res.status, target).toBe(400);
      expect(res.text).not.toMatch(/at .*\.ts:\d+/); // no stack
    }
    expect((await rawRequest([`GET /api/checks/%E0%A4%A/events HTTP/1.1`, host, auth])).status).toBe(400);
    expect((await rawRequest(["GET /\x01 HTTP/1.1", host])).status).toBe(400);
    expect((await api(agent, "/api/version")).status).toBe(200);
  });

  it("refused requests are logged, rate-limited: a probe of 300 writes a handful of lines", async () => {
    const before = agentLog()
      .split("\n")
      .filter((l) => l.includes("refused request")).length;
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        fetch(`${agent.origin}/api/lab`, { headers: { Authorization: `Bearer probe-${i}` } }).then((r) =>
          r.body?.cancel(),
        ),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    const lines = agentLog().split("\n");
    const after = lines.filter((l) => l.includes("refused request")).length;
    expect(after - before).toBeLessThanOrEqual(12);
    expect(lines.some((l) => l.includes("more refusals"))).toBe(true);
  });

  it("no token or ticket value reaches a log, whatever the request carried", async () => {
    const marker = "leakmarkerZ9";
    const marker43 = `${marker}${"q".repeat(43 - marker.length)}`;
    const host = `Host: 127.0.0.1:${agent.port}`;
    await rawRequest([`GET //[?token=${marker43} HTTP/1.1`, host]);
    await rawRequest([`GET http://[/?token=${marker} HTTP/1.1`, host]);
    await rawRequest([`GET /api/checks/%E0%A4%A?ticket=${marker} HTTP/1.1`, host]);
    await rawRequest([`GET /api/lab?token=${marker} HTTP/1.1`, host, `Authorization: Bearer ${marker43}`]);
    await rawRequest([`GET /api/checks/h03-04/events?ticket=${marker43} HTTP/1.1`, host]);
    await rawRequest([
      `GET /ws/terminal?token=${marker} HTTP/1.1`,
      host,
      "Upgrade: websocket",
      "Connection: Upgrade",
    ]);
    await refusedHello({ type: "open", ticket: marker43, node: "laptop", cols: 80, rows: 24 });
    await refusedHello({ type: "attach", ticket: marker, terminalId: "0".repeat(32), cols: 80, rows: 24 });
    await new Promise((r) => setTimeout(r, 500));
    const logs = `${agentLog()}\n${agent.stderr()}\n${agent.stdout().replace(`#token=${agent.token}`, "")}`;
    expect(logs).not.toContain(marker);
    expect(logs.split(agent.token).length - 1).toBe(0);
    for (const t of ticketsSeen) expect(logs).not.toContain(t);
  });

  it("a ticket older than 30 s is refused", async () => {
    const wait = earlyTicket.mintedAt + 31_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    expect(
      await refusedHello({ type: "open", ticket: earlyTicket.value, node: "laptop", cols: 80, rows: 24 }),
    ).toEqual({ close: 1008, code: "unauthorized" });
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
    const badTicket = await api(agent, "/api/tickets", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ purpose: "root-shell" }),
    });
    expect(badTicket.status).toBe(400);
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

  it("a taken port is a clear error naming --port; a non-loopback --host needs --expose-root-shells", async () => {
    const second = await drydock(["start", "--no-open", "--lab", lab, "--port", String(agent.port)], {
      home,
    });
    expect(second.code).toBe(8);
    expect(second.stderr).toContain(`Port ${agent.port}`);
    expect(second.stderr).toContain("--port");
    const exposed = await drydock(["start", "--no-open", "--lab", lab, "--port", "0", "--host", "0.0.0.0"], {
      home,
    });
    expect(exposed.code).toBe(2);
    expect(exposed.stderr).toContain("root shells");
    expect(exposed.stderr).toContain("--expose-root-shells");
  });
});
