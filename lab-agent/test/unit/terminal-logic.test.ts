import { describe, expect, it } from "vitest";
import { terminalArgv } from "../../src/terminal/docker-exec.ts";
import { FlowControl } from "../../src/terminal/flow-control.ts";
import { ClientMessage, HelloMessage, parseFrame } from "../../src/terminal/protocol.ts";
import { RateLimit } from "../../src/terminal/rate-limit.ts";

describe("FlowControl", () => {
  it("pauses above the high watermark for any consumer and resumes once all are below low", () => {
    const events: boolean[] = [];
    const flow = new FlowControl({ high: 100, low: 40 }, (p) => events.push(p));
    flow.add("tab");
    flow.add("mirror");
    flow.sent("tab", 60);
    flow.sent("mirror", 60);
    expect(events).toEqual([]);
    flow.sent("tab", 50);
    expect(events).toEqual([true]);
    flow.acked("tab", 80); // 30 left, but the mirror holds 60
    expect(events).toEqual([true]);
    flow.acked("mirror", 30);
    expect(events).toEqual([true, false]);
  });

  it("a consumer that leaves releases the pause; over-acks cannot bank credit", () => {
    const events: boolean[] = [];
    const flow = new FlowControl({ high: 100, low: 40 }, (p) => events.push(p));
    flow.add("slow");
    flow.sent("slow", 150);
    flow.remove("slow");
    expect(events).toEqual([true, false]);
    flow.add("tab");
    flow.acked("tab", 1_000);
    flow.sent("tab", 100);
    expect(flow.isPaused).toBe(true);
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
});

describe("terminal protocol", () => {
  it("accepts open and attach as the first frame only, with sizes in range", () => {
    expect(parseFrame(HelloMessage, '{"type":"open","node":"laptop","cols":80,"rows":24}').ok).toBe(true);
    const attach = parseFrame(
      HelloMessage,
      `{"type":"attach","terminalId":"${"a".repeat(32)}","cols":80,"rows":24}`,
    );
    expect(attach.ok).toBe(true);
    const big = parseFrame(HelloMessage, '{"type":"open","node":"laptop","cols":70000,"rows":24}');
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
      "drydock-lab1-laptop",
      "bash",
      "-l",
    ]);
    expect(terminalArgv("lab1", "worker-2", id)).toContain("/root");
  });
});
