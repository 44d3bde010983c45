import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PracticeRecorder } from "../../src/progress/practice-recorder.ts";
import { TAIL_MS } from "../../src/progress/practice-time.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";

describe("practice recorder", () => {
  it("records terminal input for the block checked last, or the page in front, never a guessed one", () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-rec-"));
    let now = 1_700_000_000_000;
    const rec = new PracticeRecorder(home, "l", () => now);
    rec.terminalInput(); // no block known: nothing recorded
    expect(rec.currentBlock()).toBeUndefined();

    const store = new ProgressStore(home);
    store.saveRun({ lab: "l", block: "h05-06", startedAt: "t", durationMs: 1, results: [] }, "cli");
    now += 20_000;
    for (let i = 0; i < 20; i++) {
      rec.terminalInput();
      now += 3_000;
    }
    rec.page("h17");
    rec.terminalInput();
    rec.page("not-a-block");
    rec.close();
    const time = store.practiceTime("l");
    store.close();
    expect(time.find((t) => t.block === "h05-06")?.terminalMs).toBe(45_000 + TAIL_MS);
    expect(time.find((t) => t.block === "h17")).toEqual({
      block: "h17",
      terminalMs: TAIL_MS,
      pageMs: TAIL_MS,
    });
  });
});
