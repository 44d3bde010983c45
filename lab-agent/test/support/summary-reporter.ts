import { relative } from "node:path";
import type { Reporter, TestModule } from "vitest/node";

/** How many of the slowest files the summary lists (the suite's budget is read from these). */
const SLOWEST = 10;

/**
 * Ends the run with one plain line, "Tests: N passed, N failed", that any CI can read, after the
 * slowest files (time in their tests and hooks, summed: a file whose tests run concurrently can
 * show more than its wall time).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      if (mod.state() === "failed" && [...mod.children.allTests()].length === 0) failed++;
    }
    const slowest = [...modules]
      .map((m) => ({ m, s: m.diagnostic().duration / 1000 }))
      .sort((a, b) => b.s - a.s)
      .slice(0, SLOWEST)
      .map(
        ({ m, s }) =>
          `  ${s.toFixed(0).padStart(6)} s  ${m.project.name}  ${relative(process.cwd(), m.moduleId)}`,
      );
    process.stdout.write(
      `\nSlowest files:\n${slowest.join("\n")}\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`,
    );
  }
}
