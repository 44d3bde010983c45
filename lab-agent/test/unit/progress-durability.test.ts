import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ProgressStore } from "../../src/progress/progress-store.ts";

const WRITER = join(import.meta.dirname, "fixtures/progress/writer.mjs");

/** Starts the writer, waits until it has committed `runs` runs, then kills it with SIGKILL. */
function killMidWrite(home: string, runs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, home], { stdio: ["ignore", "pipe", "pipe"] });
    const acked: number[] = [];
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const l of lines) acked.push(Number(l));
      if (acked.length >= runs && !child.killed) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL") resolve(acked);
      else reject(new Error(`the writer exited ${code}: ${stderr}`));
    });
  });
}

describe("progress.db under kill -9", () => {
  it("loses no committed run when its writer is killed mid-write, and stays consistent", {
    timeout: 120_000,
  }, async () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-kill-"));
    for (const round of [1, 2]) {
      const acked = await killMidWrite(home, 40 * round);
      expect(acked.length).toBeGreaterThanOrEqual(40 * round);
      const db = new Database(join(home, "progress.db"));
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const ids = new Set(
        (db.prepare("SELECT id FROM check_runs").all() as Array<{ id: number }>).map((r) => r.id),
      );
      for (const id of acked) expect(ids.has(id), `run ${id} was committed, then lost`).toBe(true);
      // A run is all or nothing: every stored run has its eight results.
      const partial = db
        .prepare("SELECT run_id, COUNT(*) AS n FROM check_results GROUP BY run_id HAVING n <> 8")
        .all();
      expect(partial).toEqual([]);
      db.close();
    }
    const store = new ProgressStore(home);
    expect(store.latest("kill", "h03-04")).toHaveLength(8);
    expect(store.practiceTime("kill")[0]?.terminalMs).toBeGreaterThan(0);
    store.close();
  });
});
