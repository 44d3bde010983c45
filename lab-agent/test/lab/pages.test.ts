import { afterAll, beforeAll, describe, it } from "vitest";
import { drydockHome } from "../../src/common/paths.ts";
import type { BlockId } from "../../src/course/course-outline.ts";
import { checkLab } from "../support/check-lab.ts";
import { drydock } from "../support/cli.ts";
import { describeDrillRuns } from "../support/drill-runs.ts";
import { hostDocker } from "../support/lab-helpers.ts";
import {
  covers,
  DRILL_RUNS,
  isDrillRuns,
  lastSolvedAfter,
  planLabs,
  solveBuildsOn,
} from "../support/page-plan.ts";
import { PageFailure, type PageReport, runPage, tail } from "../support/page-runner.ts";
import { listPages, readPage } from "../support/page-steps.ts";

/**
 * The course runs as written (issue 18): every page's steps (site/PAGE-STEPS.md) run in order on
 * their nodes in a real lab, through the terminals' login shell, with the files the page has the
 * learner write. By default on one lab, in course order (the hours, then the drills), as a
 * learner who follows the course would: each `<StartingPoint after>` is reached with
 * `drydock solve` only when the lab is not there already (page-plan.ts), and a mid-page one
 * (or `<StartingPoint swarm />`, `drydock lab swarm`) where the page has it.
 *
 * The six drills' own lab tests (support/drill-runs.ts, issue 14) run here too, on the lab that
 * reaches hours 15–16's solved state, just before its first page that starts from it: one solved
 * swarm for the drills and the swarm pages instead of a lab and a solve each.
 *
 * `DRYDOCK_PAGES=h17,drills/secret-rotation` runs only those pages (an id, or its last part);
 * `drill-runs` in that list selects the drills' tests.
 * By default the pages that start from hours 15–16 or later (and the drills' tests) run on a
 * second lab, at the same time as the rest: the suite's wall time is the longest lab's.
 * `DRYDOCK_PAGE_LABS=1` puts everything on one lab in course order, as one learner would: the
 * fewest lab ups and solves, the longest time.
 * `DRYDOCK_PAGES_LABS=course=pga,swarm=pgb` runs on labs that already exist in DRYDOCK_HOME (kept
 * afterwards), to work on pages without a lab up and down each time.
 */
const ONLY = process.env.DRYDOCK_PAGES?.split(",").filter(Boolean);
const REUSE = new Map(
  (process.env.DRYDOCK_PAGES_LABS ?? "")
    .split(",")
    .filter(Boolean)
    .map((kv) => kv.split("=") as [string, string]),
);
const LABS: 1 | 2 = process.env.DRYDOCK_PAGE_LABS === "1" ? 1 : 2;
const PAGE_MS = 900_000;

const wanted = (id: string): boolean => !ONLY || ONLY.some((o) => o === id || id.split("/").pop() === o);
const pages = listPages()
  .filter(wanted)
  .map((id) => readPage(id))
  .filter((p) => p.steps.length > 0);
const buildsOn = solveBuildsOn();
const groups = planLabs(pages, LABS, wanted(DRILL_RUNS)).map((l) => [l.name, l.pages] as const);

for (const [name, group] of groups) {
  if (group.length === 0) continue;
  describe(`pages on the ${name} lab`, { concurrent: true }, () => {
    const reused = REUSE.get(name);
    const t = checkLab(`pg${name[0]}`);
    const lab = reused ?? t.lab;
    const home = reused ? drydockHome() : t.home;
    const timings: string[] = [];
    let solvedAt: BlockId | undefined;
    const t0 = performance.now();
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const s = performance.now();
      try {
        return await fn();
      } finally {
        timings.push(`  ${((performance.now() - s) / 1000).toFixed(1).padStart(6)} s  ${what}`);
      }
    };

    /** A page's (or the drills') starting point, reached with `drydock solve`. */
    const solveTo = async (block: BlockId, forWhat: string): Promise<void> => {
      const run = await timed(`drydock solve ${block}`, () =>
        drydock(["solve", block, "--lab", lab], { home }),
      );
      if (run.code !== 0)
        throw new Error(
          `${forWhat}: its starting point \`drydock solve ${block}\` failed (exit ${run.code}):\n${tail(`${run.stdout}\n${run.stderr}`)}`,
        );
      solvedAt = block;
    };

    beforeAll(async () => {
      if (!reused) await timed("lab up", () => t.up());
    });
    afterAll(async () => {
      if (!reused) await timed("lab down", () => t.down());
      timings.push(`  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  in all`);
      console.log(`[pages] ${name} lab ${lab}:\n${timings.join("\n")}`);
    });

    describe.sequential("pages", () => {
      for (const page of group) {
        if (isDrillRuns(page)) {
          describeDrillRuns({ lab, home }, timed, async () => {
            if (covers(solvedAt, "h15-16", buildsOn)) return;
            await solveTo("h15-16", DRILL_RUNS);
          });
          continue;
        }
        it(
          `${page.id}${page.after ? ` (after ${page.after})` : ""}: every step runs as written`,
          async () => {
            if (page.after && !covers(solvedAt, page.after, buildsOn)) await solveTo(page.after, page.id);
            let report: PageReport | undefined;
            try {
              report = await timed(`${page.id} (${page.steps.length} steps)`, async () =>
                runPage(await hostDocker(), lab, page, async (step) => {
                  // A mid-page starting point: what the page tells the learner to run.
                  const args = step.swarm ? ["lab", "swarm"] : ["solve", step.after as string];
                  const run = await drydock([...args, "--lab", lab], { home });
                  if (run.code !== 0)
                    throw new PageFailure(
                      `${page.id} (${page.file}:${step.line}): its starting point \`drydock ${args.join(" ")}\` failed (exit ${run.code}):\n${tail(`${run.stdout}\n${run.stderr}`)}`,
                    );
                  return `drydock ${args.join(" ")}`;
                }),
              );
            } finally {
              // A page that failed left the lab in no known state: a later starting point is solved again.
              solvedAt = report ? lastSolvedAfter(page, solvedAt) : undefined;
            }
            for (const s of report.steps)
              timings.push(`  ${(s.ms / 1000).toFixed(1).padStart(6)} s    :${s.line} ${s.node} ${s.what}`);
          },
          PAGE_MS,
        );
      }
    });
  });
}
