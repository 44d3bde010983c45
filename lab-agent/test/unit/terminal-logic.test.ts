import { describe, expect, it } from "vitest";
import { hasHistoryMount } from "../../src/lab/node-history.ts";
import { terminalArgv } from "../../src/terminal/docker-exec.ts";
import { FlowControl } from "../../src/terminal/flow-control.ts";
import { ClientMessage, HelloMessage, parseFrame } from "../../src/terminal/protocol.ts";
import { RateLimit } from "../../src/terminal/rate-limit.ts";

describe("FlowControl", () => {
  const marks = { high: 100, low: 40, maxBuffered: 150, stallMs: 1_000 };
  /** Sent, and written out by the socket at once (an honest, fast connection). */
  const deliver = (flow: FlowControl, c: string, n: number) => {
    flow.sent(c, n);
    flow.written(c, n);
  };

  it("pauses above the high watermark for any consumer and resumes once all are below low", () => {
    const events: boolean[] = [];
    const flow = new FlowControl(marks, (p) => events.push(p));
    flow.add("tab");
    flow.add("viewer");
    deliver(flow, "tab", 60);
    deliver(flow, "viewer", 60);
    expect(events).toEqual([]);
    deliver(flow, "tab", 50);
    expect(events).toEqual([true]);
    flow.acked("tab", 80); // 30 left, but the viewer holds 60
    expect(events).toEqual([true]);
    flow.acked("viewer", 30);
    expect(events).toEqual([true, false]);
  });

  it("a consumer that leaves releases the pause; over-acks cannot bank credit", () => {
    const events: boolean[] = [];
    const flow = new FlowControl(marks, (p) => events.push(p));
    flow.add("slow");
    deliver(flow, "slow", 120);
    flow.remove("slow");
    expect(events).toEqual([true, false]);
    flow.add("tab");
    flow.acked("tab", 1_000);
    deliver(flow, "tab", 100);
    expect(flow.isPaused).toBe(true);
  });

  it("acks count only bytes the socket wrote out: a forged ack cannot drain what is still queued", () => {
    const over: string[] = [];
    const flow = new FlowControl(
      marks,
      () => {},
      (c, why) => over.push(`${c}:${why}`),
    );
    flow.add("forger");
    flow.sent("forger", 90); // queued in the agent, not written
    flow.written("forger", 10);
    flow.acked("forger", 64 * 1024 * 1024);
    expect(flow.pending("forger")).toBe(80);
    expect(flow.buffered("forger")).toBe(80);
    flow.sent("forger", 20);
    expect(flow.isPaused).toBe(true);
    expect(over).toEqual([]);
    flow.sent("forger", 60); // 160 buffered now, over maxBuffered
    expect(over).toEqual([]);
    flow.sent("forger", 1); // the next frame finds the queue over the cap
    expect(over).toEqual(["forger:buffer-cap"]);
  });

  it("reports a consumer that keeps the PTY paused past stallMs", () => {
    let now = 0;
    const over: string[] = [];
    const flow = new FlowControl(
      marks,
      () => {},
      (c, why) => over.push(`${c}:${why}`),
      () => now,
    );
    flow.add("asleep");
    flow.add("fine");
    deliver(flow, "asleep", 120);
    now = 500;
    flow.checkStalls();
    expect(over).toEqual([]);
    now = 1_200;
    flow.checkStalls();
    expect(over).toEqual(["asleep:stalled"]);
  });

  it("refuses watermarks that could never resume", () => {
    expect(() => new FlowControl({ high: 10, low: 10 }, () => {})).toThrow();
  });
});

describe("RateLimit", () => {
  it("allows a burst, then the refill rate", () => {
    let now = 0;
    const limit = new RateLimit(10, 5, () => now);
    expect(Array.from({ length: 6 }, () => limit.take())).toEqual([true, true, true, true, true, false]);
    now += 200; // two tokens
    expect([limit.take(), limit.take(), limit.take()]).toEqual([true, true, false]);
  });

  it("counts bytes: a burst of big inputs is cut off, typing is not", () => {
    let now = 0;
    const bytes = new RateLimit(256 * 1024, 1024 * 1024, () => now);
    const accepted = Array.from({ length: 200 }, () => bytes.take(32_000)).filter(Boolean).length;
    expect(accepted).toBe(32);
    now += 1_000;
    expect(bytes.take(1)).toBe(true);
  });
});

describe("terminal protocol", () => {
  const ticket = "t".repeat(43);
  it("accepts open and attach, each with a ticket, as the first frame only, with sizes in range", () => {
    expect(
      parseFrame(HelloMessage, `{"type":"open","ticket":"${ticket}","node":"laptop","cols":80,"rows":24}`).ok,
    ).toBe(true);
    const attach = parseFrame(
      HelloMessage,
      `{"type":"attach","ticket":"${ticket}","terminalId":"${"a".repeat(32)}","cols":80,"rows":24}`,
    );
    expect(attach.ok).toBe(true);
    expect(parseFrame(HelloMessage, '{"type":"open","node":"laptop","cols":80,"rows":24}').ok).toBe(false);
    const big = parseFrame(
      HelloMessage,
      `{"type":"open","ticket":"${ticket}","node":"laptop","cols":70000,"rows":24}`,
    );
    expect(big).toMatchObject({ ok: false });
    expect(big.ok ? "" : big.reason).toContain("cols");
    expect(parseFrame(HelloMessage, '{"type":"input","data":"ls"}').ok).toBe(false);
    expect(parseFrame(HelloMessage, "{nope").ok).toBe(false);
  });

  it("rejects unknown types and extra fields (strict objects)", () => {
    expect(parseFrame(ClientMessage, '{"type":"ack","bytes":1024}').ok).toBe(true);
    expect(parseFrame(ClientMessage, '{"type":"exec","cmd":"id"}').ok).toBe(false);
    expect(parseFrame(ClientMessage, '{"type":"resize","cols":80,"rows":24,"x":1}').ok).toBe(false);
    expect(parseFrame(ClientMessage, '{"type":"ack","bytes":-5}').ok).toBe(false);
  });

  it("builds an argv array for docker exec, never a shell string", () => {
    const id = "0123456789abcdef0123456789abcdef";
    expect(terminalArgv("lab1", "laptop", id)).toEqual([
      "exec",
      "-it",
      "-w",
      "/workspace",
      "-e",
      "TERM=xterm-256color",
      "-e",
      "LANG=C.UTF-8",
      "-e",
      `DRYDOCK_TERMINAL=${id}`,
      "-e",
      "HISTFILE=/workspace/.laptop_history",
      "-e",
      "HISTSIZE=5000",
      "-e",
      "PROMPT_COMMAND=history -a",
      "drydock-lab1-laptop",
      "bash",
      "-l",
    ]);
    expect(terminalArgv("lab1", "worker-2", id)).toContain("/root");
    // A node made before histories were kept has no history folder: bash's default, no error per prompt.
    expect(terminalArgv("lab1", "worker-2", id).some((a) => a.startsWith("HISTFILE="))).toBe(false);
    expect(terminalArgv("lab1", "worker-2", id, true)).toContain(
      "HISTFILE=/root/.drydock-history/bash_history",
    );
    expect(terminalArgv("lab1", "worker-2", id, true)).toContain("PROMPT_COMMAND=history -a");
  });

  it("knows a node's history folder by its mount", () => {
    const mounts = (destination: string) => ({ Mounts: [{ Destination: destination }] }) as never;
    expect(hasHistoryMount("manager-1", mounts("/root/.drydock-history"))).toBe(true);
    expect(hasHistoryMount("manager-1", mounts("/var/lib/docker"))).toBe(false);
    expect(hasHistoryMount("laptop", mounts("/workspace"))).toBe(true);
  });
});
