import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLab, evidenceText, expectAllFail, result } from "../support/check-lab.ts";

const t = checkLab("ck17");

beforeAll(async () => {
  await t.up();
});
afterAll(async () => {
  await t.down();
});

describe.sequential(`h17 checks on lab ${t.lab}`, () => {
  it("fail on a fresh lab", async () => {
    const run = await t.check("h17");
    expect(run.results.map((r) => r.id)).toEqual([
      "update-config-safe",
      "rolling-update-succeeds",
      "failed-rollout-rolls-back",
      "previous-digest-known",
    ]);
    for (const r of run.results) expect(["fail", "skipped"], r.id).toContain(r.status);
    expect(result(run, "update-config-safe").status).toBe("fail");
    expectAllFail(await t.check("h17", { all: true }), /Swarm\.LocalNodeState="inactive"/);
  });

  it("all pass after `drydock solve h17` (update to 1.1.0, bad 1.2.0 rolled back by itself)", async () => {
    await t.solve("h17");
    const run = await t.check("h17");
    for (const r of run.results) expect(r.status, `${r.id}: ${r.summary}`).toBe("pass");
    expect(evidenceText(result(run, "failed-rollout-rolls-back"))).toContain('"State":"rollback_completed"');
  });

  const mistakes: Array<[string, RegExp]> = [
    ["update-config-safe", /failure_action is pause, order is stop-first/],
    ["failed-rollout-rolls-back", /paused instead/],
    ["rolling-update-succeeds", /No completed rolling update/],
    ["previous-digest-known", /nothing to roll back to/],
  ];
  for (const [id, summary] of mistakes) {
    it(`fails again after the mistake for ${id}`, async () => {
      await t.solve("h17", id);
      const r = result(await t.check("h17"), id);
      expect(r.status, r.summary).toBe("fail");
      expect(r.summary).toMatch(summary);
    });
  }

  it("pass again once solved", async () => {
    await t.solve("h17");
    const run = await t.check("h17");
    expect(run.results.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.summary}`)).toEqual([]);
  });
});
