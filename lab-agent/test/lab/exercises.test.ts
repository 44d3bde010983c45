import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECKS } from "../../src/checks/check-registry.ts";
import { type BlockRun, evidenceText } from "../../src/checks/check-result.ts";
import { recordSwarmHistory } from "../../src/checks/collectors/swarm-history.ts";
import { openLab } from "../../src/checks/lab-access.ts";
import type { MistakeSpec } from "../../src/exercises/exercise-schema.ts";
import { type LoadedExercise, loadAllExercises } from "../../src/exercises/load-exercises.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";
import { checkLab, result } from "../support/check-lab.ts";
import { hostDocker } from "../support/lab-helpers.ts";

/**
 * Every exercise, driven by its exercise.yaml alone: on a fresh lab each check fails on its own
 * evidence (`fresh`); after `drydock solve` all pass; after each mistake (`mistakes:`) its
 * deliverable fails as `expect` says, re-running only that check (`--only`).
 *
 * Blocks that build on each other share one lab, solved in order (h05-06 runs h03-04's image,
 * h17 rolls h15-16's stack, h19 works on the one h18 hardened); every other block gets a lab of its own. The labs run at the same
 * time (they mostly wait on engines), so the file takes as long as its longest group.
 */
const SHARED_LABS: readonly (readonly string[])[] = [
  // Longest first: in a full run under load, hours 3-8 took ~1270 s (some 30 mistakes, most a solve + script).
  ["h03-04", "h05-06", "h07-08"],
  ["h15-16", "h17"],
  ["h09-10", "h11-12"],
  // Both start from hours 15-16's stack: one lab saves a lab up, an image build and a fresh deploy,
  // and the 2-core host runs one lab fewer at once. h18 goes first, on a swarm no `stack rm` has
  // touched (after h17's, a recreated overlay network and h18's engine restarts left tasks pending
  // for good); what it leaves on laptop (a `sleep` container, an unapplied daemon.json) meets none
  // of h19's checks nor its Compose profile.
  ["h18", "h19"],
  // The document blocks (hours 1-2 and 20) take seconds: they ride along instead of a lab up.
  ["h13-14", "h01-02", "h20"],
];

/**
 * `DRYDOCK_BLOCKS=h17 npx vitest run lab-agent/test/lab/exercises.test.ts` tests only those blocks
 * (each block's solve runs the earlier blocks' it builds on, so h17 alone is complete).
 */
const ONLY_BLOCKS = process.env.DRYDOCK_BLOCKS?.split(",").filter(Boolean);

/** A step can wait on several rollouts (h17: an update, a bad rollout rolled back, a redeploy). */
const STEP_MS = 600_000;
/** A solve is interrupted before the step times out, so the failure shows its output's tail. */
const SOLVE_MS = STEP_MS - 60_000;

function labGroups(exercises: readonly LoadedExercise[]): LoadedExercise[][] {
  const byBlock = new Map(exercises.map((e) => [e.block, e]));
  const groups = SHARED_LABS.map((g) =>
    g.map((b) => byBlock.get(b as LoadedExercise["block"])).filter((e) => e !== undefined),
  ).filter((g) => g.length > 0);
  const grouped = new Set(groups.flat().map((e) => e.block));
  for (const e of exercises) if (!grouped.has(e.block)) groups.push([e]);
  return groups;
}

/** Mistakes that share a script are made once and checked together. */
function scriptRuns(mistakes: readonly MistakeSpec[]): Array<{ script: string; mistakes: MistakeSpec[] }> {
  const runs = new Map<string, MistakeSpec[]>();
  for (const m of mistakes) runs.set(m.script, [...(runs.get(m.script) ?? []), m]);
  return [...runs].map(([script, ms]) => ({ script, mistakes: ms }));
}

const usesHistory = (ex: LoadedExercise) =>
  ex.deliverables.some((d) => CHECKS.get(d.check.id)?.kind === "history");

/**
 * At most this many of the file's labs are up at once (`DRYDOCK_TEST_LABS`, default 3): on a
 * 2-core machine more concurrent labs only slow every one of them down (health checks and
 * rollouts time out under load). Groups take a slot in the order listed, longest first.
 */
const LAB_SLOTS = Math.max(1, Number(process.env.DRYDOCK_TEST_LABS) || 3);
const slotWaiters: Array<() => void> = [];
let slotsFree = LAB_SLOTS;
async function takeLabSlot(): Promise<() => void> {
  if (slotsFree > 0) slotsFree--;
  else await new Promise<void>((resolve) => slotWaiters.push(resolve));
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const next = slotWaiters.shift();
    if (next) next();
    else slotsFree++;
  };
}
/** A group may wait for a slot as long as the others run. */
const SLOT_WAIT_MS = 3_600_000;

const summaryOf = (run: BlockRun) => run.results.map((r) => `${r.id}: ${r.status} — ${r.summary}`).join("\n");

const exercises = loadAllExercises().filter((e) => !ONLY_BLOCKS || ONLY_BLOCKS.includes(e.block));
for (const group of labGroups(exercises)) {
  const blocks = group.map((e) => e.block);
  describe(`lab for ${blocks.join(" + ")}`, { concurrent: true }, () => {
    const t = checkLab(`ex${blocks[0]?.replace(/\D/g, "")}`);
    const timings: Array<[string, number]> = [];
    let stopRecorder: (() => void) | undefined;
    let store: ProgressStore | undefined;
    let releaseSlot: (() => void) | undefined;
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      try {
        return await fn();
      } finally {
        timings.push([what, performance.now() - t0]);
      }
    };

    beforeAll(async () => {
      releaseSlot = await timed("waiting for a lab slot", () => takeLabSlot());
      await timed("lab up", () => t.up());
      // History checks judge what the agent recorded: record as the agent does, the whole time.
      if (group.some(usesHistory)) {
        const docker: Docker = await hostDocker();
        const lab = await openLab({ docker, lab: t.lab, home: t.home });
        store = new ProgressStore(t.home);
        stopRecorder = recordSwarmHistory(() => lab.engine("manager-1"), t.lab, store);
      }
    }, SLOT_WAIT_MS);
    afterAll(async () => {
      stopRecorder?.();
      store?.close();
      try {
        await timed("lab down", () => t.down());
      } finally {
        releaseSlot?.();
      }
      const lines = timings.map(([what, ms]) => `  ${(ms / 1000).toFixed(1).padStart(6)} s  ${what}`);
      console.log(`[exercises] lab ${t.lab} (${blocks.join(" + ")}):\n${lines.join("\n")}`);
    });

    describe.sequential("steps", () => {
      for (const ex of group) {
        it(`${ex.block}: on a fresh lab every check fails on its own evidence`, async () => {
          // Through the CLI once per block, as a learner runs it; in-process after that.
          const run = await timed(`${ex.block} fresh checks`, () => t.checkCli(ex.block));
          expect(run.results.map((r) => r.id)).toEqual(ex.deliverables.map((d) => d.id));
          // Without --all, a check whose needs failed is skipped, and nothing is an error.
          for (const r of run.results) {
            const needs = ex.deliverables.find((d) => d.id === r.id)?.needs ?? [];
            expect(needs.length > 0 ? ["fail", "skipped"] : ["fail"], `${r.id}: ${r.summary}`).toContain(
              r.status,
            );
          }
          const all = await t.check(ex.block, { all: true });
          for (const d of ex.deliverables) {
            const r = result(all, d.id);
            expect(r.status, `${r.id}: ${r.summary}`).toBe("fail");
            expect(r.hint, r.id).toBeTruthy();
            expect(evidenceText(r), `${r.id}: fresh`).toMatch(new RegExp(d.fresh));
          }
        });
      }

      for (const ex of group) {
        let solved = false;
        it(
          `${ex.block}: all pass after \`drydock solve ${ex.block}\`, each with evidence`,
          async () => {
            // Through the CLI, as a learner runs it; the mistakes' solves run in-process.
            await timed(`${ex.block} solve`, () => t.solveCli(ex.block, undefined, SOLVE_MS));
            const run = await t.check(ex.block);
            expect(
              run.results.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.summary}`),
            ).toEqual([]);
            for (const r of run.results) expect(r.evidence.length, r.id).toBeGreaterThan(0);
            solved = true;
          },
          STEP_MS,
        );

        for (const { script, mistakes } of scriptRuns(ex.mistakes)) {
          const ids = mistakes.map((m) => m.id).join(", ");
          const deliverables = [...new Set(mistakes.map((m) => m.deliverable))];
          it(
            `${ex.block}: after the mistake ${ids}, ${deliverables.join(", ")} fails as the exercise expects`,
            async () => {
              // Straight after the solve (or on top of the previous mistake, for mistakes that
              // `stacks`), the script alone; otherwise `drydock solve --mistake` (solve, then the
              // script) puts the lab back first.
              const scriptOnly = solved || mistakes.every((m) => m.stacks);
              await timed(
                `${ex.block} mistake ${ids}${scriptOnly ? (solved ? " (script only)" : " (stacked)") : " (solve + script)"}`,
                () =>
                  scriptOnly
                    ? t.mistakeScript(ex.block, script)
                    : t.solve(ex.block, mistakes[0]?.id, SOLVE_MS),
              );
              solved = false;
              const run = await timed(`${ex.block} check --only ${deliverables.join(",")}`, () =>
                t.check(ex.block, { only: deliverables }),
              );
              for (const m of mistakes) {
                const r = result(run, m.deliverable);
                expect(r.status, `${m.id}: ${summaryOf(run)}`).toBe("fail");
                expect(r.summary, m.id).toMatch(new RegExp(m.expect.summary));
                expect(evidenceText(r), m.id).toMatch(new RegExp(m.expect.evidence));
                expect(r.hint, m.id).toBeTruthy();
              }
            },
            STEP_MS,
          );
        }

        // No "solve again" at the end: every `solve + script` mistake already proves that a solve
        // puts a mistaken lab back, and the next block's solve builds on this one's.
      }
    });
  });
}
