import { Writable } from "node:stream";
import { expect } from "vitest";
import {
  type BlockRun,
  BlockRun as BlockRunSchema,
  type CheckResult,
  evidenceText,
} from "../../src/checks/check-result.ts";
import { checkCommand } from "../../src/cli/check-commands.ts";
import { DrydockError, errorMessage } from "../../src/common/errors.ts";
import { LogTail, type Progress, silentProgress } from "../../src/common/progress.ts";
import { SOLVE_DIR, solveExercise } from "../../src/exercises/solve-exercise.ts";
import { readSettings } from "../../src/lab/lab-settings.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";
import { submitPendingQuizzes } from "../../src/quiz/quiz-attempts.ts";
import { drydock, tempHome } from "./cli.ts";
import { execIn, hostDocker } from "./lab-helpers.ts";

export { evidenceText };

/** One lab for a test file (or a group of blocks): up in beforeAll, down in afterAll, checks and solves through the CLI. */
export function checkLab(prefix: string) {
  const lab = `${prefix}${Date.now().toString(36).slice(-6)}`;
  const home = tempHome();
  return {
    lab,
    home,
    async up(): Promise<void> {
      const up = await drydock(["lab", "up", "--lab", lab], { home });
      expect(up.code, up.stderr).toBe(0);
    },
    async down(): Promise<void> {
      await drydock(["lab", "down", "--lab", lab], { home });
    },
    /**
     * `drydock check <block> --json`, run in this process (the CLI's own check command, its output
     * parsed): a `drydock` process costs about a CPU-second to load, and the suites run hundreds of
     * checks on a 2-core machine. `all` runs checks whose needs did not pass too (`--all`), `only`
     * only those deliverables and their needs (`--only`).
     */
    async check(block: string, opts: { all?: boolean; only?: readonly string[] } = {}): Promise<BlockRun> {
      let out = "";
      const stdout = new Writable({
        write(chunk, _enc, done) {
          out += String(chunk);
          done();
        },
      });
      const code = await checkCommand(
        { docker: await hostDocker(), lab, home, progress: silentProgress },
        block,
        { json: true, all: opts.all ?? false, ...(opts.only ? { only: opts.only } : {}) },
        { stdout },
      );
      expect([0, 14]).toContain(code);
      return BlockRunSchema.parse(JSON.parse(out));
    },
    /** The same through the `drydock` CLI, as a learner runs it. */
    async checkCli(block: string, opts: { all?: boolean } = {}): Promise<BlockRun> {
      const args = ["check", block, "--lab", lab, "--json", ...(opts.all ? ["--all"] : [])];
      const run = await drydock(args, { home });
      expect([0, 14], run.stderr).toContain(run.code);
      return BlockRunSchema.parse(JSON.parse(run.stdout));
    },
    async swarm(): Promise<void> {
      const run = await drydock(["lab", "swarm", "--lab", lab], { home });
      expect(run.code, run.stderr).toBe(0);
    },
    /**
     * `drydock solve <block> [--mistake <mistake-id>]` in this process (the CLI's solve, for the
     * same reason as `check`); past `timeoutMs` it is aborted, which stops its script in the lab as
     * Ctrl-C does, so the failure shows how far the script got.
     */
    async solve(block: string, mistake?: string, timeoutMs?: number): Promise<void> {
      const tail = new LogTail(80);
      const progress: Progress = (e) => {
        if (e.kind === "log") tail.push(e.line);
        else if (e.kind === "info" || e.kind === "warn") tail.push(e.message);
        else if (e.kind === "done") tail.push(`✓ ${e.title} (${e.seconds.toFixed(1)} s)`);
      };
      const abort = new AbortController();
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => abort.abort(`[test] ran over ${timeoutMs / 1000} s`), timeoutMs);
      try {
        await solveExercise(
          { docker: await hostDocker(), lab, home, progress },
          { block, ...(mistake ? { mistake } : {}), signal: abort.signal },
        );
      } catch (err) {
        const details = err instanceof DrydockError && err.details ? `\n${err.details}` : "";
        throw new Error(
          `drydock solve ${block}${mistake ? ` --mistake ${mistake}` : ""} failed: ${errorMessage(err)}${details}\n${tail}`,
          { cause: err },
        );
      } finally {
        clearTimeout(timer);
      }
    },
    /** The same through the `drydock` CLI, as a learner runs it. */
    async solveCli(block: string, mistake?: string, timeoutMs?: number): Promise<void> {
      const args = ["solve", block, "--lab", lab, ...(mistake ? ["--mistake", mistake] : [])];
      const run = await drydock(args, { home, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      const tail = `${run.stderr}\n${run.stdout}`.trim().split("\n").slice(-80).join("\n");
      expect(run.code, tail).toBe(0);
    },
    /**
     * Runs a mistake's script alone on laptop, as `drydock solve --mistake` does after its solve:
     * for a lab known to be in the block's solved state already (the solve's copy of the script is used).
     */
    async mistakeScript(block: string, script: string): Promise<void> {
      const run = await execIn(await hostDocker(), lab, "laptop", [
        "bash",
        "-c",
        `cd /workspace && bash ${SOLVE_DIR}/${block}/${script}`,
      ]);
      expect(run.code, run.output).toBe(0);
      // Quiz answers the script left, submitted as `drydock solve` submits them after a script.
      const workspace = readSettings(home, lab)?.workspace;
      if (workspace) {
        const store = new ProgressStore(home);
        try {
          submitPendingQuizzes(store, lab, workspace);
        } finally {
          store.close();
        }
      }
    },
  };
}

export function result(run: BlockRun, id: string): CheckResult {
  const r = run.results.find((x) => x.id === id);
  if (!r) throw new Error(`no result for ${id} in ${run.results.map((x) => x.id).join(", ")}`);
  return r;
}

/** Every check of the run failed (none passed, none skipped, none errored), each with evidence and a hint. */
export function expectAllFail(run: BlockRun, evidence: RegExp): void {
  for (const r of run.results) {
    expect(r.status, `${r.id}: ${r.summary}`).toBe("fail");
    expect(r.hint, r.id).toBeTruthy();
    expect(evidenceText(r), r.id).toMatch(evidence);
  }
}
