import { execFile } from "node:child_process";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordSwarmHistory } from "../../src/checks/collectors/swarm-history.ts";
import { openLab } from "../../src/checks/lab-access.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";
import { checkLab, evidenceText, expectAllFail, result } from "../support/check-lab.ts";

// Hour 17's history checks with the agent's recorder on (as `drydock start` runs it), on one lab:
// the solve (an update, then a bad rollout Swarm rolls back by itself), a manual rollback after the
// automatic one, and `stack rm` + deploy (a new service: its history starts afresh).
const t = checkLab("ck17");
const run = promisify(execFile);
let stopRecorder: (() => void) | undefined;
let store: ProgressStore | undefined;

/** A command on laptop, as the learner types it (cwd /workspace). */
async function laptop(cmd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run("docker", [
      "exec",
      "-w",
      "/workspace",
      `drydock-${t.lab}-laptop`,
      "bash",
      "-lc",
      cmd,
    ]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}
const LIB = "source /workspace/.drydock/h17/mistakes/lib.sh";

beforeAll(async () => {
  await t.up();
  // The recorder, as the agent runs it, writing to the store `drydock check` reads (same home).
  const lab = await openLab({ docker: new Docker(), lab: t.lab, home: t.home });
  store = new ProgressStore(t.home);
  stopRecorder = recordSwarmHistory(() => lab.engine("manager-1"), t.lab, store);
});
afterAll(async () => {
  stopRecorder?.();
  store?.close();
  await t.down();
});

describe.sequential(`h17 checks with the recorder on, lab ${t.lab}`, () => {
  it("fail on a fresh lab", async () => {
    const r = await t.check("h17");
    expect(r.results.map((x) => x.id)).toEqual([
      "update-config-safe",
      "rolling-update-succeeds",
      "failed-rollout-rolls-back",
      "previous-digest-known",
    ]);
    expectAllFail(await t.check("h17", { all: true }), /Swarm\.LocalNodeState="inactive"/);
  });

  it("all pass after `drydock solve h17`; the learner's Dockerfile is left as it was", async () => {
    await t.solve("h17");
    const r = await t.check("h17");
    for (const x of r.results) expect(x.status, `${x.id}: ${x.summary}`).toBe("pass");
    const rollback = evidenceText(result(r, "failed-rollout-rolls-back"));
    expect(rollback).toContain('"State":"rollback_completed"');
    expect(rollback).toMatch(/update rolled back due to failure/);
    // The bad release was built from the scratch copy, not the workspace's own Dockerfile.
    expect((await laptop("grep -c APP_PORT=8081 reg-case-platform/Dockerfile || true")).out.trim()).toBe("0");
  });

  it("a manual rollback right after the automatic one is refused; one after a later update keeps the record", async () => {
    const refused = await laptop("docker --context swarm service rollback reg-case_case-api");
    expect(refused.code).not.toBe(0);
    expect(refused.out).toMatch(/does not have a previous spec/);
    // A later good update (back to the deployed 1.0.0 digest), then a rollback by hand.
    const manual = await laptop(
      `${LIB}; update_and_wait completed 240 --image "$(digest_of 1.0.0)" && before="$(started_at)" && "\${sw[@]}" service rollback --quiet --detach "$svc" >/dev/null && wait_state rollback_completed 240 "$before"`,
    );
    expect(manual.code, manual.out).toBe(0);
    const r = await t.check("h17");
    const rollback = result(r, "failed-rollout-rolls-back");
    expect(rollback.status, rollback.summary).toBe("pass");
    expect(rollback.summary).toMatch(/recorded: "update rolled back due to failure/);
    expect(evidenceText(rollback)).toMatch(/manually requested rollback/);
  });

  it("stack rm + deploy is a new service with a history of its own: nothing rolled, nothing rolled back", async () => {
    const redeploy = await laptop(`${LIB}; redeploy_stack`);
    expect(redeploy.code, redeploy.out).toBe(0);
    const r = await t.check("h17");
    expect(result(r, "update-config-safe").status).toBe("pass");
    for (const id of ["rolling-update-succeeds", "failed-rollout-rolls-back", "previous-digest-known"]) {
      const x = result(r, id);
      expect(x.status, `${id}: ${x.summary}`).toBe("fail");
    }
    expect(result(r, "failed-rollout-rolls-back").summary).toMatch(
      /No rollout was rolled back: UpdateStatus is empty/,
    );
    expect(result(r, "previous-digest-known").summary).toMatch(/was never updated/);
  });

  it("fails on the instant mistakes (policy, release log)", async () => {
    // One after another on one solve (each fails its deliverable whatever came before): the
    // generic exercise test makes the others, each on a fresh solve.
    for (const [script, id, summary] of [
      ["update-monitor-zero", "update-config-safe", /monitor is not set/],
      ["update-failure-action-continue", "update-config-safe", /failure_action is continue/],
      ["update-failure-action-pause", "update-config-safe", /failure_action is pause: .*order is stop-first/],
      ["digest-file-tags", "previous-digest-known", /never updated|It names tags/],
      ["digest-file-image-ids", "previous-digest-known", /never updated|unknown to the registry/],
    ] as const) {
      const m = await laptop(`bash /workspace/.drydock/h17/mistakes/${script}.sh`);
      expect(m.code, m.out).toBe(0);
      const x = result(await t.check("h17"), id);
      expect(x.status, x.summary).toBe("fail");
      expect(x.summary).toMatch(summary);
    }
  });
});
