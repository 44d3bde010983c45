import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CheckResult } from "../../src/checks/check-result.ts";
import { loadAllExercises } from "../../src/exercises/load-exercises.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";

/** A home whose store has every h03-04 deliverable passing (one failed first) and some practice. */
export function homeWithProgress(lab = "default"): string {
  const home = mkdtempSync(join(tmpdir(), "drydock-score-"));
  const store = new ProgressStore(home);
  const ex = loadAllExercises().find((e) => e.block === "h03-04");
  if (!ex) throw new Error("h03-04 has no exercise");
  const result = (id: string, status: CheckResult["status"], at: string): CheckResult => ({
    id,
    check: "x",
    block: "h03-04",
    status,
    summary: `${id} ${status}`,
    evidence: [
      {
        source: "laptop: GET /images/{name}/json",
        field: "Config.User",
        observed: status === "pass" ? "node" : "root",
      },
    ],
    durationMs: 3,
    waits: false,
    at,
  });
  store.saveRun(
    {
      lab,
      block: "h03-04",
      startedAt: "2026-12-01T10:00:00Z",
      durationMs: 1,
      results: [result("image-non-root", "fail", "2026-12-01T10:00:00Z")],
    },
    "cli",
  );
  store.saveRun(
    {
      lab,
      block: "h03-04",
      startedAt: "2026-12-01T11:00:00Z",
      durationMs: 1,
      results: ex.deliverables.map((d) => result(d.id, "pass", "2026-12-01T11:00:00Z")),
    },
    "cli",
  );
  const t0 = Date.parse("2026-12-01T10:00:00Z");
  for (let i = 0; i <= 40; i++) store.recordActivity(lab, "h03-04", "terminal", t0 + i * 15_000);
  store.close();
  return home;
}
