import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Two files run at a time. The files that take minutes (real labs, deploys, rollouts) start
 * first, so the two workers finish together instead of one long file running alone at the end.
 * The order of this list is the order they start in; every other file keeps vitest's order.
 */
const SLOW_FIRST = [
  // Every exercise, one lab per group of blocks, the groups at the same time: the longest file.
  "exercises.test.ts",
  // Every page's steps on two labs, the drills' tests on the swarm one: the second longest.
  "pages.test.ts",
  "reaper.test.ts",
  "lab-lifecycle.test.ts",
  "checks-agent.test.ts",
  "server-security.test.ts",
  "library-images.test.ts",
  "terminal-sessions.test.ts",
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((name) => spec.moduleId.endsWith(`/${name}`));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
