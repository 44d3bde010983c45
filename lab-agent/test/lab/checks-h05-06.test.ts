import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLab, evidenceText, result } from "../support/check-lab.ts";

const t = checkLab("ck56");
const DELIVERABLES = [
  "app-handles-sigterm",
  "pid1-is-app",
  "healthcheck-works",
  "restart-policy-understood",
  "logs-clean",
];

beforeAll(async () => {
  await t.up();
});
afterAll(async () => {
  await t.down();
});

describe.sequential(`h05-06 checks on lab ${t.lab}`, () => {
  it("fail on a fresh lab: there is no case-api container", async () => {
    const run = await t.check("h05-06");
    expect(run.results.map((r) => r.id)).toEqual(DELIVERABLES);
    for (const r of run.results) {
      expect(r.status, r.id).toBe("fail");
      expect(evidenceText(r)).toContain("404 no such container");
    }
  });

  it("all pass after `drydock solve h05-06`", async () => {
    await t.solve("h05-06");
    const run = await t.check("h05-06");
    for (const r of run.results) expect(r.status, `${r.id}: ${r.summary}`).toBe("pass");
    const stop = result(run, "app-handles-sigterm");
    expect(evidenceText(stop)).toMatch(/State.ExitCode=(0|143)/);
    expect(stop.waits).toBe(true);
    expect(evidenceText(result(run, "pid1-is-app"))).toContain("node dist/main.js api");
    expect(evidenceText(result(run, "restart-policy-understood"))).toMatch(/RestartCount=[1-9]/);
  });

  const mistakes: Array<[string, RegExp, RegExp]> = [
    ["app-handles-sigterm", /exit code 137 .*killed/, /State.ExitCode=137/],
    ["pid1-is-app", /A shell runs the app/, /PID 1 command="sh -c/],
    ["healthcheck-works", /is unhealthy/, /curl/],
    ["restart-policy-understood", /restart policy "no"/, /"Name":"no"/],
    ["logs-clean", /contain a secret/, /secret values found in the log=1/],
  ];
  for (const [id, summary, evidence] of mistakes) {
    it(`fails again after the mistake for ${id}`, async () => {
      await t.solve("h05-06", id);
      const r = result(await t.check("h05-06"), id);
      expect(r.status, r.summary).toBe("fail");
      expect(r.summary).toMatch(summary);
      expect(evidenceText(r)).toMatch(evidence);
    });
  }

  it("pass again once solved", async () => {
    await t.solve("h05-06");
    const run = await t.check("h05-06");
    expect(run.results.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.summary}`)).toEqual([]);
  });
});
