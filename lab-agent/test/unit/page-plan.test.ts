import { describe, expect, it } from "vitest";
import {
  covers,
  DRILL_RUNS,
  lastSolvedAfter,
  planLabs,
  solveBuildsOn,
  startingSolves,
} from "../support/page-plan.ts";
import { listPages, parsePage, readPage } from "../support/page-steps.ts";

const buildsOn = solveBuildsOn();
const sitePages = listPages()
  .map((id) => readPage(id))
  .filter((p) => p.steps.length > 0);

describe("page plan", () => {
  it("reads which solves a solve runs first from the solve scripts", () => {
    expect(buildsOn.get("h18")).toEqual(["h15-16"]);
    expect(buildsOn.get("h15-16")).toEqual(["h03-04"]);
    expect(buildsOn.get("h03-04")).toEqual([]);
    expect(covers("h18", "h15-16", buildsOn)).toBe(true);
    expect(covers("h18", "h03-04", buildsOn)).toBe(true);
    expect(covers("h18", "h18", buildsOn)).toBe(true);
    expect(covers("h15-16", "h18", buildsOn)).toBe(false);
    expect(covers("h17", "h18", buildsOn)).toBe(false);
    expect(covers(undefined, "h03-04", buildsOn)).toBe(false);
  });

  it("a page that solves mid-page leaves the lab in that block's state", () => {
    const p = parsePage(
      "x",
      `<StartingPoint after="h15-16" />\n\n<RunCommand cmd="ls" />\n\n<StartingPoint after="h18" />`,
    );
    expect(lastSolvedAfter(p, "h15-16")).toBe("h18");
    expect(lastSolvedAfter(parsePage("y", `<RunCommand cmd="ls" />`), "h09-10")).toBe("h09-10");
  });

  it("one lab: every page in course order, each starting point solved only when the lab is not there yet", () => {
    const [course, ...rest] = planLabs(sitePages, 1);
    expect(rest).toEqual([]);
    expect(course?.pages.map((p) => p.id)).toEqual(sitePages.map((p) => p.id));
    const solves = startingSolves(course?.pages ?? [], buildsOn).filter((s) => s.solve);
    // h03-04 for hours 5–6; h09-10 (its own reference files); nothing for hours 13–14 (h09-10's
    // solve built h03-04's), hours 17 and 18 (hours 15–16 solved mid-page) or the drills (h18 solved mid-page).
    expect(solves).toEqual([
      { page: "hours/h05-06", solve: "h03-04" },
      { page: "hours/h09-10", solve: "h09-10" },
      // Hour 19 solves hours 9–10 mid-page (its Compose part), so the drills solve hours 15–16 again.
      { page: "drills/container-crash", solve: "h15-16" },
    ]);
  });

  it("two labs: the pages from hours 15–16 on a second lab, which solves hours 15–16 once", () => {
    const labs = planLabs(sitePages, 2);
    expect(labs.map((l) => l.name)).toEqual(["course", "swarm"]);
    const swarm = labs[1]?.pages ?? [];
    expect(swarm.map((p) => p.id)).toContain("hours/h17");
    expect(swarm.map((p) => p.id)).not.toContain("hours/h15-16");
    expect(startingSolves(swarm, buildsOn).filter((s) => s.solve)).toEqual([
      { page: "hours/h17", solve: "h15-16" },
    ]);
    // Hour 19 leaves the lab at hours 9–10 (mid-page): last, after the drills that need the stack.
    expect(swarm.at(-1)?.id).toBe("hours/h19");
  });

  it("the drills' tests ride the swarm lab: before its first page, after its one solve of hours 15–16", () => {
    const [course, swarm] = planLabs(sitePages, 2, true);
    expect(course?.pages.map((p) => p.id)).not.toContain(DRILL_RUNS);
    expect(swarm?.pages[0]?.id).toBe(DRILL_RUNS);
    expect(startingSolves(swarm?.pages ?? [], buildsOn).filter((s) => s.solve)).toEqual([
      { page: DRILL_RUNS, solve: "h15-16" },
    ]);
    // One lab: after the hours 15–16 page (which solves it mid-page), so no solve of their own.
    const [one] = planLabs(sitePages, 1, true);
    const ids = one?.pages.map((p) => p.id) ?? [];
    expect(ids.indexOf(DRILL_RUNS)).toBe(ids.indexOf("hours/h15-16") + 1);
    expect(
      startingSolves(one?.pages ?? [], buildsOn)
        .filter((s) => s.solve)
        .map((s) => s.page),
    ).not.toContain(DRILL_RUNS);
    // Only the drills' tests (DRYDOCK_PAGES=drill-runs): a lab of their own, last.
    expect(planLabs([], 2, true).map((l) => [l.name, l.pages.map((p) => p.id)])).toEqual([
      ["swarm", [DRILL_RUNS]],
    ]);
  });
});
