import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSettings } from "../../src/lab/lab-settings.ts";
import { checkLab, evidenceText, expectAllFail, result } from "../support/check-lab.ts";

const t = checkLab("ck1516");
const DELIVERABLES = [
  "swarm-initialized",
  "stack-deployed",
  "overlay-network-works",
  "services-converged",
  "placement-constraints-tested",
  "resources-reserved-limited",
  "database-url-secret",
];

beforeAll(async () => {
  await t.up();
});
afterAll(async () => {
  await t.down();
});

describe.sequential(`h15-16 checks on lab ${t.lab}`, () => {
  it("fail on a fresh lab: no swarm, so the rest waits for it", async () => {
    const run = await t.check("h15-16");
    expect(run.results.map((r) => r.id)).toEqual(DELIVERABLES);
    const swarm = result(run, "swarm-initialized");
    expect(swarm.status).toBe("fail");
    expect(evidenceText(swarm)).toContain('Swarm.LocalNodeState="inactive"');
    expect(result(run, "stack-deployed").status).toBe("skipped");
    // With --all, every check fails on its own evidence.
    expectAllFail(await t.check("h15-16", { all: true }), /Swarm\.LocalNodeState="inactive"/);
  });

  it("with a swarm but no stack: the swarm passes, every stack check fails", async () => {
    await t.swarm();
    const run = await t.check("h15-16", { all: true });
    expect(result(run, "swarm-initialized").status).toBe("pass");
    const rest = { ...run, results: run.results.filter((r) => r.id !== "swarm-initialized") };
    expectAllFail(rest, /no such file|Spec\.Name=\[\]/);
    // A stack file that Compose itself rejects is read as Compose reads it, not as bare YAML.
    const stackFile = join(readSettings(t.home, t.lab)?.workspace ?? "", "reg-case-platform", "stack.yml");
    writeFileSync(stackFile, "services:\n  case-api:\n    imagee: registry:5000/reg-case-platform\n");
    try {
      const broken = result(await t.check("h15-16", { all: true }), "stack-deployed");
      expect(broken.status).toBe("fail");
      expect(broken.summary).toMatch(/docker compose config rejects it: .*Additional property imagee/);
    } finally {
      rmSync(stackFile, { force: true });
    }
  });

  it("all pass after `drydock solve h15-16`", async () => {
    await t.solve("h15-16");
    const run = await t.check("h15-16");
    for (const r of run.results) expect(r.status, `${r.id}: ${r.summary}`).toBe("pass");
    expect(evidenceText(result(run, "stack-deployed"))).toMatch(
      /com\.docker\.stack\.image"\]="registry:5000\/reg-case-platform@sha256:/,
    );
    expect(evidenceText(result(run, "overlay-network-works"))).toMatch(/redis:6379 \(on worker-2\): ok/);
  });

  const mistakes: Array<[string, RegExp, RegExp]> = [
    // The api loses Redis, turns unhealthy and is replaced: the probe may find no running task.
    [
      "overlay-network-works",
      /did not answer by name|no running task to probe from/,
      /ENOTFOUND|EAI_AGAIN|timeout|running tasks=0/,
    ],
    [
      "services-converged",
      /Not converged: reg-case_case-api/,
      /reg-case_case-api: RunningTasks\/DesiredTasks, UpdateStatus.State="\d\/2, /,
    ],
    ["placement-constraints-tested", /redis lacks node\.labels\.stateful == true/, /Constraints=\[\]/],
    ["resources-reserved-limited", /case-api lacks a reservation or a limit/, /"Limits":\{\}/],
    ["database-url-secret", /case-api has DATABASE_URL in its environment/, /Env keys=\[.*"DATABASE_URL"/],
    // After the mistakes that break health: a failed update rolls back to the previous spec
    // (failure_action rollback), which would bring a deploy-by-tag back.
    [
      "stack-deployed",
      /case-api, worker are deployed by tag/,
      /stack\.image"\]="registry:5000\/reg-case-platform:1\.0\.0"/,
    ],
    ["swarm-initialized", /1 ready worker/, /worker-1: worker, ready/],
  ];
  for (const [id, summary, evidence] of mistakes) {
    it(`fails again after the mistake for ${id}`, async () => {
      await t.solve("h15-16", id);
      const r = result(await t.check("h15-16"), id);
      expect(r.status, r.summary).toBe("fail");
      expect(r.summary).toMatch(summary);
      expect(evidenceText(r)).toMatch(evidence);
    });
  }

  it("pass again once solved", async () => {
    await t.solve("h15-16");
    const run = await t.check("h15-16");
    expect(run.results.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.summary}`)).toEqual([]);
  });
});
