/**
 * Which pages run on which lab, and which starting points the page test must solve (issue 18:
 * the page test within the suite's budget). Pure: the page test runs the plan, the unit test
 * proves it on the site's own pages.
 *
 * A lab's state is named by the last block solved on it (`drydock solve`, at a page's start or
 * mid-page). A page's starting point is already there when that block's solve, or a block's
 * solve it builds on, is what the lab has: `exercises/h18/solve.sh` runs h15-16's solve first, so
 * a lab solved to h18 is a lab where the hours 15–16 stack runs, and a drill that starts after
 * hours 15–16 needs no second solve there (as for a learner who goes on in course order).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BLOCK_IDS, type BlockId } from "../../src/course/course-outline.ts";
import { EXERCISES_DIR } from "../../src/exercises/load-exercises.ts";
import type { PageSteps } from "./page-steps.ts";

/** block → the blocks whose solve its own solve script runs first (`bash "$here/../h15-16/solve.sh"`). */
export function solveBuildsOn(dir = EXERCISES_DIR): Map<BlockId, BlockId[]> {
  const out = new Map<BlockId, BlockId[]>();
  for (const b of BLOCK_IDS) {
    let text = "";
    try {
      text = readFileSync(join(dir, b, "solve.sh"), "utf8");
    } catch {
      continue;
    }
    const earlier = [...text.matchAll(/\.\.\/(h\d\d(?:-\d\d)?)\/solve\.sh/g)]
      .map((m) => m[1] as BlockId)
      .filter((x) => (BLOCK_IDS as readonly string[]).includes(x) && x !== b);
    out.set(b, [...new Set(earlier)]);
  }
  return out;
}

/** Whether a lab solved to `state` has `wanted`'s solved state (it is, or its solve runs it first, transitively). */
export function covers(
  state: BlockId | undefined,
  wanted: BlockId,
  buildsOn: Map<BlockId, BlockId[]>,
): boolean {
  if (!state) return false;
  const seen = new Set<BlockId>();
  const todo = [state];
  while (todo.length > 0) {
    const b = todo.pop() as BlockId;
    if (b === wanted) return true;
    if (seen.has(b)) continue;
    seen.add(b);
    todo.push(...(buildsOn.get(b) ?? []));
  }
  return false;
}

export interface LabPlan {
  name: string;
  pages: PageSteps[];
}

const SWARM_FROM = BLOCK_IDS.indexOf("h15-16");
const onSwarm = (p: PageSteps): boolean => p.after !== undefined && BLOCK_IDS.indexOf(p.after) >= SWARM_FROM;

/**
 * The drills' own lab tests (support/drill-runs.ts) as an entry of a lab's plan: no steps, a
 * starting point of hours 15–16 like the drill pages, so the plan solves it only when the lab is
 * not there already.
 */
export const DRILL_RUNS = "drill-runs";
const drillRuns = (): PageSteps => ({
  id: DRILL_RUNS,
  file: "lab-agent/test/support/drill-runs.ts",
  after: "h15-16",
  steps: [],
  illustrations: 0,
});
export const isDrillRuns = (p: PageSteps): boolean => p.id === DRILL_RUNS;

/** The drills' tests go just before the first page that starts from hours 15–16 or later (else last). */
function withDrillRuns(pages: PageSteps[]): PageSteps[] {
  const at = pages.findIndex(onSwarm);
  return at < 0 ? [...pages, drillRuns()] : [...pages.slice(0, at), drillRuns(), ...pages.slice(at)];
}

/**
 * `labs: 1`: every page in course order, as a learner who follows the course: the fewest lab ups
 * and solves. `labs: 2`: the pages that start from hours 15–16 or later on a second lab, solved
 * to their starting points, at the same time as the rest: less time, more work for the machine
 * (a second lab up, a second solve of hours 15–16). With `drills`, the drills' tests too (on the
 * swarm lab, with two).
 */
export function planLabs(pages: readonly PageSteps[], labs: 1 | 2, drills = false): LabPlan[] {
  if (labs === 1) return [{ name: "course", pages: drills ? withDrillRuns([...pages]) : [...pages] }];
  // A page that ends off the swarm's state (hour 19 solves hours 9–10 mid-page, for its Compose
  // part) goes last, so the pages after it need no second solve of hours 15–16.
  const buildsOn = solveBuildsOn();
  const leavesSwarm = (p: PageSteps): number =>
    covers(lastSolvedAfter(p, p.after), "h15-16", buildsOn) ? 0 : 1;
  const swarm = pages
    .filter(onSwarm)
    // Stable: course order within one starting point, so each solve is done once.
    .sort(
      (a, b) =>
        leavesSwarm(a) - leavesSwarm(b) ||
        BLOCK_IDS.indexOf(a.after as BlockId) - BLOCK_IDS.indexOf(b.after as BlockId),
    );
  return [
    { name: "course", pages: pages.filter((p) => !onSwarm(p)) },
    { name: "swarm", pages: drills ? withDrillRuns(swarm) : swarm },
  ].filter((l) => l.pages.length > 0);
}

/** The solves a lab's pages need before they start, in order, given what the earlier pages solved. */
export function startingSolves(
  pages: readonly PageSteps[],
  buildsOn: Map<BlockId, BlockId[]>,
): Array<{ page: string; solve?: BlockId }> {
  let state: BlockId | undefined;
  return pages.map((p) => {
    const solve = p.after && !covers(state, p.after, buildsOn) ? p.after : undefined;
    if (solve) state = solve;
    state = lastSolvedAfter(p, state);
    return { page: p.id, solve };
  });
}

/** The lab's state after a page that passed: the last block it solved mid-page, else what it was. */
export function lastSolvedAfter(page: PageSteps, state: BlockId | undefined): BlockId | undefined {
  let s = state;
  for (const step of page.steps) if (step.kind === "start" && step.after) s = step.after;
  return s;
}
