import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHECKS } from "../lab-agent/src/checks/check-registry.ts";
import { openLab } from "../lab-agent/src/checks/lab-access.ts";
import { runBlock } from "../lab-agent/src/checks/run-checks.ts";
import { consoleProgress } from "../lab-agent/src/cli/render.ts";
import { silentProgress } from "../lab-agent/src/common/progress.ts";
import { ensureEngine } from "../lab-agent/src/engine/ensure-engine.ts";
import { loadExercise } from "../lab-agent/src/exercises/load-exercises.ts";
import { solveExercise } from "../lab-agent/src/exercises/solve-exercise.ts";
import { type LabContext, labDown, labUp } from "../lab-agent/src/lab/lab-lifecycle.ts";

/**
 * Check figures on a solved lab: each block's full check time (p50/p95 over --runs, default 10),
 * with checks that wait on purpose (probes: stop, crash, read-only start, healthcheck controls) timed
 * apart, and the snapshot checks through the CLI as a learner runs them (`drydock check <block>
 * --only …`, the CLI's start included).
 * `--lab ID` (with DRYDOCK_HOME) measures an existing, solved lab; otherwise one is made, solved and removed.
 * `--blocks h03-04,h05-06` picks blocks (default h03-04,h05-06,h15-16,h17).
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const runs = Number(opt("--runs")) || 10;
  const blocks = (opt("--blocks") ?? "h03-04,h05-06,h15-16,h17").split(",");
  const figure = (name: string, value: number, unit: string) =>
    process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);
  const engine = await ensureEngine({ progress: consoleProgress(false) });
  const existing = opt("--lab");
  const ctx: LabContext = {
    docker: engine.docker,
    lab: existing ?? `benchck${Date.now().toString(36)}`.slice(0, 24),
    home: existing ? (process.env.DRYDOCK_HOME ?? "") : mkdtempSync(join(tmpdir(), "drydock-bench-")),
    progress: silentProgress,
  };
  try {
    if (!existing) await labUp(ctx);
    for (const block of blocks) {
      if (!existing) await solveExercise(ctx, { block });
      const exercise = loadExercise(block);
      const snapshotIds = exercise.deliverables
        .filter((d) => CHECKS.get(d.check.id)?.kind !== "probe")
        .map((d) => d.id);
      const lab = await openLab(ctx);
      const all: number[] = [];
      const snapshots: number[] = [];
      const probes = new Map<string, number[]>();
      const cli: number[] = [];
      for (let i = 0; i < runs; i++) {
        const full = await runBlock({ lab, exercise });
        all.push(full.durationMs);
        for (const r of full.results.filter((r) => r.waits))
          probes.set(r.id, [...(probes.get(r.id) ?? []), r.durationMs]);
        snapshots.push((await runBlock({ lab, exercise, only: snapshotIds })).durationMs);
        cli.push(timeCli(ctx, block, snapshotIds));
      }
      figure(`checks.${block}.full.p50`, pct(all, 50), "ms");
      figure(`checks.${block}.full.p95`, pct(all, 95), "ms");
      figure(`checks.${block}.without_probes.p50`, pct(snapshots, 50), "ms");
      figure(`checks.${block}.without_probes.p95`, pct(snapshots, 95), "ms");
      figure(`checks.${block}.cli_without_probes.p50`, pct(cli, 50), "ms");
      figure(`checks.${block}.cli_without_probes.p95`, pct(cli, 95), "ms");
      for (const [id, times] of probes) figure(`checks.${block}.probe.${id}.p95`, pct(times, 95), "ms");
    }
  } finally {
    if (!existing) await labDown(ctx).catch(() => {});
  }
}

/** `drydock check <block> --only <snapshot checks> --json` through the installed bin, start to exit. */
function timeCli(ctx: LabContext, block: string, only: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(
    "node_modules/.bin/drydock",
    ["check", block, "--lab", ctx.lab, "--json", "--all", "--only", only.join(",")],
    { env: { ...process.env, DRYDOCK_HOME: ctx.home }, encoding: "utf8" },
  );
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 14)
    throw new Error(`drydock check ${block} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
