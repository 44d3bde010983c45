import { describe, expect, it } from "vitest";
import { ScreenMirror } from "../../src/terminal/screen-mirror.ts";

describe("ScreenMirror", () => {
  it("restores what was printed, colours included", async () => {
    const mirror = new ScreenMirror(40, 5);
    mirror.write(Buffer.from("hello \x1b[31mred\x1b[0m world\r\n$ "));
    const screen = await mirror.snapshot();
    expect(screen).toContain("hello");
    expect(screen).toContain("\x1b[31mred");
    expect(screen).toContain("world");
    expect(mirror.skippedBytes).toBe(0);
    mirror.dispose();
  });

  it("skips the oldest unparsed output in a flood, keeping the end of it", async () => {
    const mirror = new ScreenMirror(80, 24, 100);
    const line = (n: number) => Buffer.from(`line ${String(n).padStart(7, "0")} ${"x".repeat(60)}\r\n`);
    for (let n = 0; n < 80_000; n++) mirror.write(line(n)); // ~6 MB, written faster than it is parsed
    const screen = await mirror.snapshot();
    expect(mirror.skippedBytes).toBeGreaterThan(0);
    expect(screen).toContain("line 0079999");
    expect(screen).not.toContain("line 0000000 ");
    mirror.dispose();
    // ~1 s of parsing alone; beside the lab tests on a 2-core host, more than vitest's default 5 s.
  }, 30_000);
});
