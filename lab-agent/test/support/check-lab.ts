import { expect } from "vitest";
import {
  type BlockRun,
  BlockRun as BlockRunSchema,
  type CheckResult,
} from "../../src/checks/check-result.ts";
import { drydock, tempHome } from "./cli.ts";

/** One lab for one block's test file: up in beforeAll, down in afterAll, checks and solves through the CLI. */
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
    /** `drydock check <block> --json`; `all` runs checks whose needs did not pass too (`--all`). */
    async check(block: string, opts: { all?: boolean } = {}): Promise<BlockRun> {
      const run = await drydock(["check", block, "--lab", lab, "--json", ...(opts.all ? ["--all"] : [])], {
        home,
      });
      expect([0, 14], run.stderr).toContain(run.code);
      return BlockRunSchema.parse(JSON.parse(run.stdout));
    },
    async swarm(): Promise<void> {
      const run = await drydock(["lab", "swarm", "--lab", lab], { home });
      expect(run.code, run.stderr).toBe(0);
    },
    async solve(block: string, mistake?: string): Promise<void> {
      const args = ["solve", block, "--lab", lab, ...(mistake ? ["--mistake", mistake] : [])];
      const run = await drydock(args, { home });
      expect(run.code, `${run.stderr}\n${run.stdout}`).toBe(0);
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

/** The evidence of a result, flattened to text, to assert on what was observed. */
export function evidenceText(r: CheckResult): string {
  return r.evidence.map((e) => `${e.field}=${JSON.stringify(e.observed)}`).join("\n");
}
