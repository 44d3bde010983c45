import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINE_ROLES } from "../../src/lab/lab-names.ts";
import { historyFile } from "../../src/lab/node-history.ts";
import {
  api,
  type RunningAgent,
  rssBytes,
  startAgent,
  stripControls,
  TermClient,
} from "../support/agent-client.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { execIn, hostDocker, until } from "../support/lab-helpers.ts";

const lab = `term${Date.now().toString(36)}`;
const home = tempHome();
let docker: Docker;
let agent: RunningAgent;
const clients: TermClient[] = [];

function client(opts?: ConstructorParameters<typeof TermClient>[1]): TermClient {
  const c = new TermClient(agent, opts);
  clients.push(c);
  return c;
}

/** Shells tagged by the agent that are still running in a node. */
async function taggedShells(role: (typeof ENGINE_ROLES)[number]): Promise<number> {
  const ps = await execIn(docker, lab, role, [
    "sh",
    "-c",
    "grep -l DRYDOCK_TERMINAL= /proc/[0-9]*/environ 2>/dev/null | wc -l",
  ]);
  return Number(ps.output.trim());
}

beforeAll(async () => {
  docker = await hostDocker();
  const up = await drydock(["lab", "up", "--lab", lab], { home });
  expect(up.code, up.stderr).toBe(0);
  agent = await startAgent({ home, lab, args: ["--grace", "120"] });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await agent?.stop();
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe.sequential(`browser terminals into lab ${lab}`, () => {
  it.each(ENGINE_ROLES)(
    "a terminal on %s is a login shell that talks to that node's own engine",
    async (node) => {
      const c = client();
      await c.open(node);
      c.input("docker info --format 'engine={{.Name}} {{.ServerVersion}}'; pwd\r");
      const match = await c.expectOutput(/engine=(\S+) (\S+)\r?\n(\S+)/);
      expect(match[1]).toBe(node);
      expect(match[2]).toMatch(/^26\./);
      expect(match[3]).toBe(node === "laptop" ? "/workspace" : "/root");
      if (node === "laptop") {
        c.input("docker context ls --format '{{.Name}}' | tr '\\n' ,; echo\r");
        await c.expectOutput(/default,swarm,/);
      }
      c.close();
    },
  );

  it("resize changes `stty size`, and Ctrl-C interrupts `sleep 30`", async () => {
    const c = client();
    await c.open("laptop", 100, 30);
    c.input("stty size\r");
    await c.expectOutput(/[\r\n]30 100\r\n/);
    c.send({ type: "resize", cols: 91, rows: 27 });
    // The docker CLI passes the new size on asynchronously: ask until the shell sees it.
    await until("the new size", async () => {
      const from = c.output.length;
      c.input("stty size\r");
      await new Promise((r) => setTimeout(r, 400));
      return /[\r\n]27 91\r\n/.test(stripControls(c.output.slice(from))) ? true : undefined;
    });
    c.input("sleep 30; echo woke-$((1+1))\r");
    await c.expectOutput(/sleep 30; echo woke.*\r\n/);
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    c.input("\x03");
    c.input("echo interrupted-$((6*7))\r");
    await c.expectOutput(/interrupted-42/, 10_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(c.output).not.toContain("woke-2");
  });

  it("a reload reattaches to the same shell and gets back what was printed meanwhile; a second tab watches it", async () => {
    const first = client();
    const id = await first.open("worker-1");
    first.input("export MARK=kept-$((40+2)); cd /tmp\r");
    await first.expectOutput(/cd \/tmp\r\n/);
    // Output printed while nobody is attached must come back on reattach.
    first.input("sleep 1; echo printed-while-away-$((1+1))\r");
    await first.expectOutput(/sleep 1; echo/);
    first.close();
    await new Promise((r) => setTimeout(r, 2_000));

    const listed = (await (await api(agent, "/api/terminals")).json()) as {
      terminals: Array<{ id: string; clients: number }>;
    };
    expect(listed.terminals.find((t) => t.id === id)?.clients).toBe(0);

    const again = client();
    expect(await again.attach(id)).toBe("controller");
    await again.expectOutput(/printed-while-away-2/);
    const second = client();
    expect(await second.attach(id)).toBe("viewer");
    again.input("echo $MARK in $PWD\r");
    await again.expectOutput(/kept-42 in \/tmp/);
    await second.expectOutput(/kept-42 in \/tmp/);
  });

  it("a viewer's input is refused and its size ignored; control passes only when let go", async () => {
    const owner = client();
    const id = await owner.open("laptop", 100, 30);
    // `docker exec -t` sizes the exec just after it starts: under load a first `stty size` can still
    // read 0 0, so ask until the size has landed (the viewer's part is what this test is about).
    owner.input(
      'for i in $(seq 20); do s=$(stty size); [ "$s" = "30 100" ] && break; sleep 0.5; done; echo "size:$s"\r',
    );
    await owner.expectOutput(/size:30 100\r\n/, 30_000);
    const viewer = client();
    // A small window attaching does not shrink the terminal...
    expect(await viewer.attach(id, 40, 10)).toBe("viewer");
    const ready = viewer.controls.find((m) => m.type === "ready");
    expect(ready).toMatchObject({ role: "viewer", controlFree: false, terminal: { cols: 100, rows: 30 } });
    // ...nor does its resize, and its keystrokes never reach the shell.
    viewer.send({ type: "resize", cols: 41, rows: 11 });
    viewer.input("echo viewer-typed-$((3*5))\r");
    await viewer.until("read-only", () =>
      viewer.controls.find((m) => m.type === "error" && m.code === "read-only"),
    );
    viewer.send({ type: "take" }); // refused: the owner holds control
    await viewer.until("role", () => viewer.controls.find((m) => m.type === "role"));
    await new Promise((r) => setTimeout(r, 800));
    const from = owner.output.length;
    owner.input("stty size; echo owner-$((2*4))\r");
    await owner.expectOutput(/owner-8\r\n/, 10_000, from);
    expect(stripControls(owner.output.slice(from))).toMatch(/[\r\n]30 100\r\n/);
    expect(owner.output).not.toContain("viewer-typed-15");
    const listed = (await (await api(agent, "/api/terminals")).json()) as {
      terminals: Array<{ id: string; cols: number; rows: number; clients: number }>;
    };
    expect(listed.terminals.find((t) => t.id === id)).toMatchObject({ cols: 100, rows: 30, clients: 2 });

    // The owner lets go; the viewer takes control and types.
    owner.send({ type: "release" });
    await viewer.until("control free", () => viewer.controls.find((m) => m.type === "role" && m.controlFree));
    viewer.send({ type: "take" });
    await viewer.until("control", () =>
      viewer.controls.find((m) => m.type === "role" && m.role === "controller"),
    );
    const mark = viewer.output.length;
    viewer.input("echo handed-over-$((4*4))\r");
    await viewer.expectOutput(/handed-over-16\r\n/, 10_000, mark);
    owner.input("echo old-owner-$((5*5))\r");
    await new Promise((r) => setTimeout(r, 800));
    expect(viewer.output).not.toContain("old-owner-25");
    await api(agent, `/api/terminals/${id}`, { method: "DELETE" });
  });

  it("forged acks from a client that stopped reading keep the agent's buffer under its cap, and the client is closed", async () => {
    const forger = client();
    const id = await forger.open("laptop");
    forger.autoAck = false;
    const baseline = rssBytes(agent.pid);
    forger.input("head -c 250000000 /dev/urandom | base64\r");
    await new Promise((r) => setTimeout(r, 300));
    // Stop reading (the kernel buffers fill, then the agent's), and claim 64 MiB parsed twice a second.
    (forger.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const forge = setInterval(() => {
      if (!forger.closed) forger.send({ type: "ack", bytes: 64 * 1024 * 1024 });
    }, 500);
    let maxBuffered = 0;
    let sawPaused = false;
    let peakRss = baseline;
    let cap = 0;
    const started = Date.now();
    try {
      while (Date.now() - started < 40_000) {
        const res = await api(agent, `/api/terminals/${id}/flow`);
        const flow = (await res.json()) as {
          paused: boolean;
          viewers: Array<{ buffered: number }>;
          limits: { maxBuffered: number; high: number; stallMs: number };
        };
        cap = flow.limits.maxBuffered;
        sawPaused ||= flow.paused;
        for (const v of flow.viewers) maxBuffered = Math.max(maxBuffered, v.buffered);
        peakRss = Math.max(peakRss, rssBytes(agent.pid));
        if (flow.viewers.length === 0) break; // the forger was closed
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      clearInterval(forge);
    }
    expect(cap).toBe(4 * 1024 * 1024);
    expect(sawPaused).toBe(true);
    expect(maxBuffered).toBeLessThanOrEqual(cap);
    // The agent closed it (it stayed over the high watermark), so nothing piles up.
    const listed = (await (await api(agent, "/api/terminals")).json()) as {
      terminals: Array<{ id: string; clients: number }>;
    };
    expect(listed.terminals.find((t) => t.id === id)?.clients).toBe(0);
    expect(peakRss - baseline).toBeLessThan(64 * 1024 * 1024);
    // The terminal itself lives on: a honest client attaches, stops the flood and types.
    const honest = client({ tail: 65536 });
    await honest.attach(id);
    honest.input("\x03");
    honest.input("echo after-flood-$((6*6))\r");
    await honest.expectOutput(/after-flood-36/, 60_000);
    await api(agent, `/api/terminals/${id}`, { method: "DELETE" });
  });

  it("the shell's exit sends an exit frame with its code, and a new terminal can be opened", async () => {
    const c = client();
    await c.open("worker-2");
    c.input("exit 7\r");
    const exit = await c.until("exit", () => c.controls.find((m) => m.type === "exit"));
    expect(exit).toMatchObject({ type: "exit", code: 7 });
    const next = client();
    await next.open("worker-2");
    next.input("echo fresh-$((2*3))\r");
    await next.expectOutput(/fresh-6/);
  });

  it("closing a terminal over the API ends its shell inside the node too", async () => {
    const c = client();
    const id = await c.open("manager-1");
    c.input("echo up-$((1+1))\r");
    await c.expectOutput(/up-2\r\n/);
    const before = await taggedShells("manager-1");
    expect(before).toBeGreaterThan(0);
    const res = await api(agent, `/api/terminals/${id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect((await c.waitClosed()).code).toBe(1000);
    await until("the shell to end", async () =>
      (await taggedShells("manager-1")) < before ? true : undefined,
    );
  });

  it("`cat` of 50 MB completes with flow control and bounded agent memory", async () => {
    const c = client({ xterm: true });
    await c.open("laptop");
    await new Promise((r) => setTimeout(r, 500));
    const baseline = rssBytes(agent.pid);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssBytes(agent.pid));
    }, 100);
    try {
      // 50 MB of random bytes as base64: about 67 MB of output, then a marker.
      c.input("head -c 50000000 /dev/urandom | base64; echo flood-done-$((3*4))\r");
      await c.expectOutput(/flood-done-12/, 280_000);
      expect(c.received).toBeGreaterThan(67_000_000);
      c.close();
    } finally {
      clearInterval(sampler);
    }
    // The client never held more than the high watermark (2 MiB) plus one frame un-acked...
    expect(c.maxUnacked).toBeLessThan(2 * 1024 * 1024 + 256 * 1024);
    // ...and the agent did not buffer the flood: a generous bound, far below 67 MB of output.
    expect(peak - baseline).toBeLessThan(120 * 1024 * 1024);
  });

  it("every node's shell history is kept in the workspace, and a shell after `lab reset` still has it", async () => {
    // The first test ran `docker info --format …` in a shell on every node.
    for (const node of ENGINE_ROLES) {
      const kept = readFileSync(join(home, "workspaces", lab, historyFile(node)), "utf8");
      expect(kept, node).toContain("docker info --format");
    }
    // As the page's reset button does, with the agent running: fresh engines, same workspace.
    const reset = await drydock(["lab", "reset", "--lab", lab], { home });
    expect(reset.code, reset.stderr).toBe(0);
    const c = client();
    await c.open("worker-1");
    // '[t]' keeps the pattern from matching the line that greps for it.
    c.input("history | grep -c 'info --forma[t]'; echo counted\r");
    const [, count] = await c.expectOutput(/(\d+)\r?\ncounted/);
    expect(Number(count)).toBeGreaterThan(0);
    c.close();
  });

  it("Ctrl-C stops the agent cleanly: terminals closed, the lab left running", async () => {
    const c = client();
    await c.open("laptop");
    c.input("echo before-$((2+2))\r");
    await c.expectOutput(/before-4\r\n/);
    expect(await agent.stop("SIGINT")).toBe(0);
    expect((await c.waitClosed()).code).toBeGreaterThanOrEqual(1000);
    expect(agent.stderr()).toContain("stopping Drydock");
    const status = await drydock(["lab", "status", "--lab", lab, "--json"], { home });
    expect(JSON.parse(status.stdout).healthy).toBe(true);
    await until("the shells to end", async () => ((await taggedShells("laptop")) === 0 ? true : undefined));
  });
});
