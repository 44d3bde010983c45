import { openLab } from "../checks/lab-access.ts";
import { DrydockError, ErrorCode, exitCodes } from "../common/errors.ts";
import { drillNamed } from "../drills/drill-catalog.ts";
import { drillStatus, startDrill, stopDrill } from "../drills/drill-runner.ts";
import type { DrillRun } from "../drills/drill-types.ts";
import type { LabContext } from "../lab/lab-lifecycle.ts";

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `drydock drill <name> start|status|stop [--signal S] [--node N] [--json]`. Exit 0 when the drill's
 * verification passes (or `stop` restored the lab, or only the learner's part is pending), 14 when an item fails, 10 when the drill was
 * blocked by a precondition or skipped for a missing kernel feature.
 */
export async function drillCommand(
  ctx: LabContext,
  name: string | undefined,
  action: string | undefined,
  opts: { json: boolean; signal?: string | undefined; node?: string | undefined },
  io: Io,
): Promise<number> {
  const def = drillNamed(name);
  const lab = await openLab(ctx);
  const dctx = { lab, home: ctx.home, progress: (m: string) => io.stderr.write(`▸ ${m}\n`) };
  let run: DrillRun | undefined;
  switch (action) {
    case "start":
      run = await startDrill(dctx, def, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.node ? { node: opts.node } : {}),
      });
      break;
    case "status":
      run = await drillStatus(dctx, def);
      break;
    case "stop":
      run = await stopDrill(dctx, def);
      break;
    default:
      throw new DrydockError(ErrorCode.usage, `\`drydock drill ${def.id}\` needs start, status or stop.`, {
        hint: `e.g. \`drydock drill ${def.id} start\`, then \`status\`, then \`stop\` (it restores the lab).`,
      });
  }
  if (!run) {
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ drill: def.id, phase: "never-run" })}\n`
        : `The drill ${def.id} has not run in lab "${ctx.lab}".\n`,
    );
    return action === "stop" ? 0 : exitCodes[ErrorCode.notFound];
  }
  io.stdout.write(opts.json ? `${JSON.stringify(run, null, 2)}\n` : formatDrill(run));
  if (run.phase === "blocked" || run.phase === "skipped" || run.phase === "broken")
    return exitCodes[ErrorCode.labState];
  // pending: every machine-checked item passed, the learner's part is still to do (not a failure).
  return run.verdict === "pass" || run.verdict === "none" || run.verdict === "pending"
    ? 0
    : exitCodes[ErrorCode.checksFailed];
}

const MARK = { pass: "✓", fail: "✗", error: "!", pending: "…" } as const;

export function formatDrill(run: DrillRun): string {
  const lines = [
    `Drill ${run.drill} in lab "${run.lab}": ${run.phase}${run.verdict !== "none" ? `, ${run.verdict}` : ""}`,
  ];
  if (run.reason) lines.push(`  ${run.reason}`);
  for (const i of run.items) {
    lines.push(`${MARK[i.status]} ${i.title} — ${i.summary}`);
    for (const e of i.evidence.slice(0, 8)) lines.push(`    ${e}`);
  }
  if (run.phase === "active") {
    lines.push("", "Watch it yourself:", ...run.learner.map((c) => `  ${c}`));
    lines.push("", `\`drydock drill ${run.drill} stop\` restores the lab.`);
  }
  return `${lines.join("\n")}\n`;
}
