import { afterEach, describe, expect, it } from "vitest";
import type { ServerMessage } from "../../src/terminal/protocol.ts";
import { PtySession, type TerminalSink } from "../../src/terminal/pty-session.ts";

/** A socket as the session sees it; `written: false` never confirms a write (a peer that stopped reading). */
class FakeSink implements TerminalSink {
  readonly controls: ServerMessage[] = [];
  output = "";
  closed: { code: number; reason: string } | undefined;
  open = true;
  constructor(
    readonly id: string,
    private readonly written = true,
  ) {}
  sendOutput(data: Buffer, onWritten: () => void): void {
    this.output += data.toString("utf8");
    if (this.written) onWritten();
  }
  sendControl(message: ServerMessage): void {
    this.controls.push(message);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
    this.open = false;
  }
  isOpen(): boolean {
    return this.open;
  }
}

const sessions: PtySession[] = [];
function session(watermarks?: ConstructorParameters<typeof PtySession>[0]["watermarks"]): PtySession {
  const s = new PtySession({
    id: "0123456789abcdef0123456789abcdef",
    node: "laptop",
    cols: 80,
    rows: 24,
    // A real PTY running cat: what is typed comes back as output.
    file: "/bin/cat",
    args: [],
    env: { PATH: "/usr/bin:/bin" },
    graceMs: 60_000,
    ...(watermarks ? { watermarks } : {}),
    onGone: () => {},
    hangUp: async () => {},
  });
  sessions.push(s);
  return s;
}
const until = async (what: string, check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
});

describe("PtySession controller and viewers", () => {
  it("the first socket controls; a viewer's input is refused and its size ignored; the controller's size reaches viewers", async () => {
    const s = session();
    const owner = new FakeSink("owner");
    const viewer = new FakeSink("viewer");
    expect(await s.attach(owner, { cols: 100, rows: 30 })).toBe("controller");
    expect(await s.attach(viewer, { cols: 20, rows: 5 })).toBe("viewer");
    expect(s.info()).toMatchObject({ cols: 100, rows: 30, clients: 2 });
    expect(viewer.controls[0]).toMatchObject({ type: "ready", role: "viewer", controlFree: false });
    expect(s.input("viewer", "from-viewer\r")).toBe(false);
    expect(s.resize("viewer", 30, 6)).toBe(false);
    expect(s.info()).toMatchObject({ cols: 100, rows: 30 });
    expect(s.input("owner", "from-owner\r")).toBe(true);
    await until("echo", () => viewer.output.includes("from-owner"));
    expect(viewer.output).not.toContain("from-viewer");
    expect(s.resize("owner", 90, 20)).toBe(true);
    expect(viewer.controls.at(-1)).toEqual({ type: "size", cols: 90, rows: 20 });
  });

  it("control passes only when let go, or when the controller's socket is closing", async () => {
    const s = session();
    const a = new FakeSink("a");
    const b = new FakeSink("b");
    await s.attach(a, { cols: 80, rows: 24 });
    await s.attach(b, { cols: 80, rows: 24 });
    expect(s.take("b")).toBe(false);
    s.release("a");
    expect(b.controls.at(-1)).toEqual({ type: "role", role: "viewer", controlFree: true });
    expect(s.take("b")).toBe(true);
    expect(s.roleOf("b")).toBe("controller");
    // A reload: b's socket is closing when its new socket attaches, which takes control.
    b.open = false;
    const c = new FakeSink("c");
    expect(await s.attach(c, { cols: 70, rows: 20 })).toBe("controller");
    expect(s.info()).toMatchObject({ cols: 70, rows: 20 });
  });

  it("a watcher never controls: not as the first socket, not when control is free, its input refused", async () => {
    const s = session();
    const watcher = new FakeSink("watcher");
    expect(await s.attach(watcher, { cols: 120, rows: 40 }, { watchOnly: true })).toBe("viewer");
    expect(s.info()).toMatchObject({ cols: 80, rows: 24 });
    expect(s.take("watcher")).toBe(false);
    expect(s.input("watcher", "from-watcher\r")).toBe(false);
    expect(s.resize("watcher", 30, 6)).toBe(false);
    const owner = new FakeSink("owner");
    expect(await s.attach(owner, { cols: 80, rows: 24 })).toBe("controller");
    s.release("owner");
    expect(s.take("watcher")).toBe(false);
    expect(s.take("owner")).toBe(true);
    expect(s.input("owner", "from-owner\r")).toBe(true);
    await until("echo", () => watcher.output.includes("from-owner"));
    expect(watcher.output).not.toContain("from-watcher");
  });

  it("a socket that never writes out is held under the buffer cap and closed; the others keep the terminal", async () => {
    // The cap is above one coalesced frame (64 KiB), as the real one (4 MiB) is.
    const s = session({ high: 65_536, low: 16_384, maxBuffered: 131_072, stallMs: 300 });
    const honest = new FakeSink("honest");
    const stuck = new FakeSink("stuck", false);
    await s.attach(honest, { cols: 80, rows: 24 });
    await s.attach(stuck, { cols: 80, rows: 24 });
    // The honest socket acks everything it got (an ack counts only up to what was written).
    const acking = setInterval(() => s.ack("honest", 1_000_000), 10);
    for (let i = 0; i < 300; i++) s.input("honest", `${"y".repeat(1_000)}\r`);
    await until("the stuck socket to be closed", () => stuck.closed !== undefined).finally(() =>
      clearInterval(acking),
    );
    expect(stuck.closed).toEqual({ code: 1013, reason: "too-slow" });
    expect(stuck.controls.at(-1)).toMatchObject({ type: "error", code: "too-slow" });
    expect(honest.closed).toBeUndefined();
    expect(s.info().clients).toBe(1);
    const acking2 = setInterval(() => s.ack("honest", 1_000_000), 10);
    s.input("honest", "after\r");
    await until("output after", () => honest.output.includes("after")).finally(() => clearInterval(acking2));
  });
});
