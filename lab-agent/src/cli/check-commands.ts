import type { BlockRun, CheckResult } from "../checks/check-result.ts";
import { openLab } from "../checks/lab-access.ts";
import { runBlock } from "../checks/run-checks.ts";
import { DrydockError, ErrorCode, exitCodes } from "../common/errors.ts";
import type { Progress } from "../common/progress.ts";
import { loadExercise } from "../exercises/load-exercises.ts";
import { solveExercise } from "../exercises/solve-exercise.ts";
import type { LabContext } from "../lab/lab-lifecycle.ts";
import { ProgressStore } from "../progress/progress-store.ts";

interface Io {
  stdout: NodeJS.WritableStream;
}

/**
 * `drydock check <block> [--all] [--only a,b]`: runs the block's checks, stores the run, prints it.
 * Exit 14 when any does not pass. `--all` runs checks whose needs did not pass too, to see every
 * gap at once; `--only` runs only those deliverables (and the ones they need).
 */
export async function checkCommand(
  ctx: LabContext,
  block: string | undefined,
  opts: { json: boolean; all: boolean; only?: readonly string[] | undefined },
  io: Io,
): Promise<number> {
  if (!block) throw blockNeeded("check");
  const exercise = loadExercise(block);
  const unknown = (opts.only ?? []).filter((id) => !exercise.deliverables.some((d) => d.id === id));
  if (unknown.length > 0) {
    throw new DrydockError(ErrorCode.usage, `Block ${block} has no deliverable ${unknown.join(", ")}.`, {
      hint: `Its deliverables: ${exercise.deliverables.map((d) => d.id).join(", ")}.`,
    });
  }
  const lab = await openLab(ctx);
  const store = new ProgressStore(ctx.home);
  try {
    const run = await runBlock({
      lab,
      exercise,
      history: store,
      quizzes: store,
      ignoreNeeds: opts.all,
      ...(opts.only ? { only: opts.only } : {}),
    });
    store.saveRun(run, "cli");
    io.stdout.write(opts.json ? `${JSON.stringify(run, null, 2)}\n` : formatRun(run));
    return run.results.every((r) => r.status === "pass") ? 0 : exitCodes[ErrorCode.checksFailed];
  } finally {
    store.close();
  }
}

/** `drydock solve <block> [--mistake ID]`. */
export async function solveCommand(
  ctx: LabContext,
  block: string | undefined,
  mistake: string | undefined,
  io: Io,
): Promise<void> {
  if (!block) throw blockNeeded("solve");
  await solveExercise(ctx, { block, ...(mistake ? { mistake } : {}) });
  io.stdout.write(
    mistake
      ? `Solved ${block}, then made the mistake ${mistake}. \`drydock check ${block}\` should now fail it.\n`
      : `Solved ${block}. \`drydock check ${block}\` shows the results.\n`,
  );
}

const MARK: Record<CheckResult["status"], string> = { pass: "✓", fail: "✗", error: "!", skipped: "-" };

export function formatRun(run: BlockRun): string {
  const lines = [`Block ${run.block} in lab "${run.lab}" (${(run.durationMs / 1000).toFixed(1)} s):`];
  for (const r of run.results) {
    lines.push(`${MARK[r.status]} ${r.id} — ${r.summary}`);
    if (r.status !== "pass") {
      for (const e of r.evidence) {
        lines.push(
          `    ${e.field}: ${JSON.stringify(e.observed)}${e.expected ? ` (expected ${e.expected})` : ""}  [${e.source}]`,
        );
      }
      if (r.hint) lines.push(`  → ${r.hint}`);
    }
  }
  const passed = run.results.filter((r) => r.status === "pass").length;
  lines.push(`${passed} of ${run.results.length} pass.`);
  return `${lines.join("\n")}\n`;
}

function blockNeeded(command: string): DrydockError {
  return new DrydockError(
    ErrorCode.usage,
    `\`drydock ${command}\` needs a block, e.g. \`drydock ${command} h03-04\`.`,
    {
      hint: "Blocks: h01-02 h03-04 h05-06 h07-08 h09-10 h11-12 h13-14 h15-16 h17 h18 h19 h20.",
    },
  );
}

export type { Progress };
