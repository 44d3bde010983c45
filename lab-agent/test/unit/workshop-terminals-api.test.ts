import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { RosterAnswer, rowCells } from "../../../site/src/lib/workshop-dashboard.ts";
import type { AgentServer } from "../../src/server/agent-server.ts";
import type { ServerMessage } from "../../src/terminal/protocol.ts";
import type { TerminalLauncher } from "../../src/terminal/terminal-launcher.ts";
import type { LabStarter } from "../../src/workshop/learner-labs.ts";
import { newEvent, Roster } from "../../src/workshop/roster.ts";
import { startOfflineAgent } from "../support/offline-agent.ts";

/**
 * Learners' terminals, tickets and checks through the real agent server, with labs in memory
 * (a LabStarter) and terminals that run `cat` in a real PTY (a TerminalLauncher that records
 * which lab each terminal was started for). A learner's credential reaches their own lab only;
 * the lead watches a learner's terminal read-only, and what the lead's socket sends is dropped.
 */
const home = mkdtempSync(join(tmpdir(), "drydock-workshop-terminals-"));
const token = "t".repeat(43);
const CODE = "ROOM-7777";
let agent: AgentServer;
/** Labs whose start waits until released (a lab still provisioning). */
const held = new Map<string, () => void>();
const holdNext = { on: false };
const starter: LabStarter = {
  async up(req) {
    if (holdNext.on) {
      holdNext.on = false;
      await new Promise<void>((resolve) => held.set(req.lab, resolve));
    }
  },
  async down() {},
  async subnetsInUse() {
    return [];
  },
};
/** Every terminal started: for which lab and node. */
const started: { lab: string; node: string; id: string }[] = [];
const launcher: TerminalLauncher = {
  async prepare(lab, node, id) {
    started.push({ lab, node, id });
    return { file: "/bin/cat", args: [], env: { PATH: "/usr/bin:/bin" }, hangUp: async () => {} };
  },
};

beforeAll(async () => {
  agent = await startOfflineAgent({
    token,
    lab: "lead",
    home,
    learnerLabs: starter,
    terminalLauncher: launcher,
  });
  await new Roster(home).start(newEvent({ seats: 4, code: CODE }, Date.now()));
});
afterAll(() => agent?.close());

type Json = Record<string, any>;
const call = async (path: string, as?: string, body?: unknown, method?: string) => {
  const res = await fetch(`${agent.origin}${path}`, {
    method: method ?? (body !== undefined ? "POST" : "GET"),
    headers: {
      ...(as ? { Authorization: `Bearer ${as}` } : {}),
      ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Json };
};
const until = async (what: string, fn: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 500; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
};

interface Learner {
  id: string;
  lab: string;
  cred: string;
}
const join_ = async (name: string): Promise<Learner> => {
  const r = await call("/api/workshop/join", undefined, { code: CODE, name });
  expect(r.status).toBe(201);
  return { id: r.json.learner.id, lab: r.json.learner.lab, cred: r.json.credential };
};
const ready = (l: Learner) =>
  until(
    `${l.id}'s lab ready`,
    async () => (await call("/api/workshop/me", l.cred)).json.lab?.state === "ready",
  );

/** A terminal socket: every control message and all output, in order. */
class Socket {
  readonly ws: WebSocket;
  readonly controls: ServerMessage[] = [];
  output = "";
  closed = false;
  constructor() {
    this.ws = new WebSocket(`${agent.origin.replace("http", "ws")}/ws/terminal`);
    this.ws.on("message", (data, binary) => {
      if (binary) this.output += data.toString();
      else this.controls.push(JSON.parse(data.toString()) as ServerMessage);
    });
    this.ws.on("close", () => {
      this.closed = true;
    });
  }
  async opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise((resolve, reject) => {
      this.ws.once("open", resolve);
      this.ws.once("error", reject);
    });
  }
  async send(message: unknown): Promise<void> {
    await this.opened();
    this.ws.send(JSON.stringify(message));
  }
  control<T extends ServerMessage["type"]>(type: T): Extract<ServerMessage, { type: T }> | undefined {
    return this.controls.find((c) => c.type === type) as Extract<ServerMessage, { type: T }> | undefined;
  }
  /** Sends a ping and waits for its pong: everything this socket sent before has been handled. */
  async roundTrip(t: number): Promise<void> {
    await this.send({ type: "ping", t });
    await until("pong", () => this.controls.some((c) => c.type === "pong" && c.t === t));
  }
}
const sockets: Socket[] = [];
afterAll(() => {
  for (const s of sockets) s.ws.close();
});
const socket = () => {
  const s = new Socket();
  sockets.push(s);
  return s;
};
const ticket = async (as: string, grant: Json) => {
  const r = await call("/api/tickets", as, grant);
  return r;
};

let ana: Learner;
let budi: Learner;
let anaTerminal: string;
let leadTerminal: string;

describe("learners' terminals in their own lab", () => {
  it("open in the lab the roster records for the learner, whatever the request says", async () => {
    ana = await join_("Ana");
    budi = await join_("Budi");
    await ready(ana);
    await ready(budi);
    // A request cannot name the lab: the body's schema has no such field.
    const named = await call("/api/terminals", ana.cred, { node: "laptop", lab: "lead" });
    expect(named.status).toBe(400);

    const opened = await call("/api/terminals", ana.cred, { node: "laptop" });
    expect(opened.status).toBe(201);
    anaTerminal = opened.json.terminal.id;
    expect(started.at(-1)).toEqual({ lab: ana.lab, node: "laptop", id: anaTerminal });

    const lead = await call("/api/terminals", token, { node: "manager-1" });
    expect(lead.status).toBe(201);
    leadTerminal = lead.json.terminal.id;
    expect(started.at(-1)).toMatchObject({ lab: "lead", node: "manager-1" });

    // Each credential lists its own lab's terminals only.
    const anaList = await call("/api/terminals", ana.cred);
    expect(anaList.json.terminals.map((t: Json) => t.id)).toEqual([anaTerminal]);
    expect((await call("/api/terminals", budi.cred)).json.terminals).toEqual([]);
    expect((await call("/api/terminals", token)).json.terminals.map((t: Json) => t.id)).toEqual([
      leadTerminal,
    ]);
  });

  it("open over the socket with a learner's ticket, in that learner's lab", async () => {
    const t = await ticket(budi.cred, { purpose: "terminal-open", node: "worker-1" });
    expect(t.status).toBe(201);
    const s = socket();
    await s.send({ type: "open", ticket: t.json.ticket, node: "worker-1", cols: 80, rows: 24 });
    await until("ready", () => s.control("ready") !== undefined);
    expect(started.at(-1)).toMatchObject({ lab: budi.lab, node: "worker-1" });
    expect(s.control("ready")?.role).toBe("controller");
    s.ws.close();
  });

  it("refuse a learner another learner's terminal and the lead's, by API and by socket", async () => {
    for (const id of [leadTerminal, anaTerminal]) {
      const attach = await ticket(budi.cred, { purpose: "terminal-attach", terminalId: id });
      expect(attach.status, id).toBe(404);
      expect((await call(`/api/terminals/${id}/flow`, budi.cred)).status, id).toBe(404);
      expect((await call(`/api/terminals/${id}`, budi.cred, undefined, "DELETE")).status, id).toBe(404);
      // Watching is the lead's alone.
      const watch = await ticket(budi.cred, { purpose: "terminal-watch", terminalId: id });
      expect(watch.status, id).toBe(403);
    }
    // Nor can the lead's own attach ticket reach a learner's terminal: only watching can.
    expect((await ticket(token, { purpose: "terminal-attach", terminalId: anaTerminal })).status).toBe(404);

    // A ticket Budi holds for attaching to his own terminal id does not open Ana's on the socket.
    const own = await call("/api/terminals", budi.cred, { node: "laptop" });
    const t = await ticket(budi.cred, { purpose: "terminal-attach", terminalId: own.json.terminal.id });
    const s = socket();
    await s.send({ type: "attach", ticket: t.json.ticket, terminalId: anaTerminal, cols: 80, rows: 24 });
    await until("refused", () => s.closed);
    expect(s.control("error")?.code).toBe("unauthorized");
    expect(s.control("ready")).toBeUndefined();
  });

  it("refuse a terminal while the learner's lab is still starting", async () => {
    holdNext.on = true;
    const cyd = await join_("Cyd");
    await until("held", () => held.has(cyd.lab));
    for (const [path, body] of [
      ["/api/terminals", { node: "laptop" }],
      ["/api/tickets", { purpose: "terminal-open", node: "laptop" }],
    ] as const) {
      const r = await call(path, cyd.cred, body);
      expect(r.status, path).toBe(409);
      expect(r.json.error.message, path).toBe("Your lab is still starting.");
    }
    held.get(cyd.lab)?.();
    await ready(cyd);
  });

  it("keep check results per lab: a learner reads and runs their own lab's only", async () => {
    const mine = await call("/api/checks/h01-02", ana.cred);
    expect(mine.status).toBe(200);
    expect(mine.json.lab).toBe(ana.lab);
    expect((await call("/api/checks/h01-02", token)).json.lab).toBe("lead");
    // No query or body can point a check at another lab.
    expect((await call(`/api/checks/h01-02?lab=${budi.lab}`, ana.cred)).status).toBe(400);
    expect((await call("/api/checks/h01-02", ana.cred, { lab: budi.lab })).status).toBe(400);
    const events = await ticket(ana.cred, { purpose: "check-events", block: "h01-02" });
    expect(events.status).toBe(201);
    // The lead's routes stay the lead's.
    for (const path of ["/api/lab", "/api/swarm", "/api/workshop/roster", "/api/workshop/scorecards.zip"]) {
      expect((await call(path, ana.cred)).status, path).toBe(403);
    }
    // Drills are the learner's own lab's: their runs only, and the lead's are the lead's.
    expect((await call("/api/drills", ana.cred)).json.lab).toBe(ana.lab);
    expect((await call("/api/drills", token)).json.lab).toBe("lead");
  });
});

describe("the lead watching a learner's terminal", () => {
  it("receives the learner's output, and nothing the lead's socket sends reaches the shell", async () => {
    const learner = socket();
    const t = await ticket(ana.cred, { purpose: "terminal-attach", terminalId: anaTerminal });
    await learner.send({
      type: "attach",
      ticket: t.json.ticket,
      terminalId: anaTerminal,
      cols: 80,
      rows: 24,
    });
    await until("learner ready", () => learner.control("ready") !== undefined);
    expect(learner.control("ready")?.role).toBe("controller");

    const w = await ticket(token, { purpose: "terminal-watch", terminalId: anaTerminal });
    expect(w.status).toBe(201);
    const lead = socket();
    await lead.send({ type: "watch", ticket: w.json.ticket, terminalId: anaTerminal, cols: 100, rows: 30 });
    await until("lead ready", () => lead.control("ready") !== undefined);
    expect(lead.control("ready")?.role).toBe("viewer");

    await learner.send({ type: "input", data: "first-from-ana\r" });
    await until("the lead sees Ana's output", () => lead.output.includes("first-from-ana"));

    // The lead types, takes control, resizes and lets go: all dropped by the agent.
    await lead.send({ type: "input", data: "INTRUDER\r" });
    await lead.send({ type: "take" });
    await lead.send({ type: "resize", cols: 40, rows: 10 });
    await lead.send({ type: "release" });
    await lead.roundTrip(1);
    expect(lead.control("error")).toMatchObject({ code: "read-only" });

    await learner.send({ type: "input", data: "second-from-ana\r" });
    await until("Ana sees her second line", () => learner.output.includes("second-from-ana"));
    await until("the lead sees it too", () => lead.output.includes("second-from-ana"));
    expect(learner.output).not.toContain("INTRUDER");
    expect(lead.output).not.toContain("INTRUDER");
    // Ana keeps control; the terminal keeps her size.
    expect(learner.controls.filter((c) => c.type === "role").at(-1) ?? { role: "controller" }).toMatchObject({
      role: "controller",
    });
    const info = (await call("/api/terminals", ana.cred)).json.terminals.find(
      (x: Json) => x.id === anaTerminal,
    );
    expect(info).toMatchObject({ cols: 80, rows: 24, clients: 2 });

    // The watch ticket was single-use.
    const again = socket();
    await again.send({ type: "watch", ticket: w.json.ticket, terminalId: anaTerminal, cols: 80, rows: 24 });
    await until("refused", () => again.closed);
    expect(again.control("error")?.code).toBe("unauthorized");
  });

  it("stays read-only after the learner lets control go", async () => {
    const learner = socket();
    const t = await ticket(ana.cred, { purpose: "terminal-attach", terminalId: anaTerminal });
    await learner.send({
      type: "attach",
      ticket: t.json.ticket,
      terminalId: anaTerminal,
      cols: 80,
      rows: 24,
    });
    await until("ready", () => learner.control("ready") !== undefined);
    const w = await ticket(token, { purpose: "terminal-watch", terminalId: anaTerminal });
    const lead = socket();
    await lead.send({ type: "watch", ticket: w.json.ticket, terminalId: anaTerminal, cols: 80, rows: 24 });
    await until("lead ready", () => lead.control("ready") !== undefined);
    // Close every other view of Ana's terminal: nobody controls it now.
    for (const s of sockets) if (s !== lead) s.ws.close();
    await until("only the lead left", async () => {
      const list = (await call("/api/terminals", ana.cred)).json.terminals as Json[];
      return list.find((x) => x.id === anaTerminal)?.clients === 1;
    });
    await lead.send({ type: "take" });
    await lead.send({ type: "input", data: "STILL-INTRUDER\r" });
    await lead.roundTrip(2);
    // Ana comes back: she gets control, and her shell never saw the lead's input.
    const back = socket();
    const t2 = await ticket(ana.cred, { purpose: "terminal-attach", terminalId: anaTerminal });
    await back.send({ type: "attach", ticket: t2.json.ticket, terminalId: anaTerminal, cols: 80, rows: 24 });
    await until("back", () => back.control("ready") !== undefined);
    expect(back.control("ready")?.role).toBe("controller");
    await back.send({ type: "input", data: "third-from-ana\r" });
    await until("the lead sees it", () => lead.output.includes("third-from-ana"));
    expect(lead.output).not.toContain("STILL-INTRUDER");
    expect(back.output).not.toContain("STILL-INTRUDER");
  });

  it("shows each learner's terminals, current block and lab on the roster, and resets a lab", async () => {
    const roster = await call("/api/workshop/roster", token);
    const row = roster.json.learners.find((l: Json) => l.id === ana.id);
    expect(row.terminals.map((t: Json) => t.id)).toContain(anaTerminal);
    expect(row).toHaveProperty("currentBlock");
    expect(row.labState.state).toBe("ready");
    // The dashboard page reads this very answer (site/src/lib/workshop-dashboard.ts).
    const parsed = RosterAnswer.safeParse(roster.json);
    expect(parsed.success).toBe(true);
    const cells = rowCells(parsed.data?.learners.find((l) => l.id === ana.id) as never, 20);
    expect(cells.slice(0, 4)).toEqual(["1", "Ana", "active", "ready"]);

    expect((await call(`/api/workshop/learners/${ana.id}/reset`, ana.cred, {})).status).toBe(403);
    expect((await call("/api/workshop/learners/nothex/reset", token, {})).status).toBe(400);
    expect((await call("/api/workshop/learners/0123456789ab/reset", token, {})).status).toBe(404);
    const reset = await call(`/api/workshop/learners/${ana.id}/reset`, token, {});
    expect(reset.status).toBe(202);
    expect(reset.json.lab.state).toBe("provisioning");
    // Her shells went with the old engines.
    expect((await call("/api/terminals", ana.cred)).json.terminals).toEqual([]);
    await ready(ana);
  });
});
