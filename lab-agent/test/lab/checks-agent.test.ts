import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BlockRun, CheckResult } from "../../src/checks/check-result.ts";
import { solveExercise } from "../../src/exercises/solve-exercise.ts";
import { readSettings } from "../../src/lab/lab-settings.ts";
import { api, awaitServerEvent, startAgent } from "../support/agent-client.ts";
import { checkLab, evidenceText, expectAllFail, result } from "../support/check-lab.ts";
import { drydockKilledAt } from "../support/cli.ts";
import { execIn, hostDocker } from "../support/lab-helpers.ts";

// What exercises.test.ts (fresh → solved → each mistake, for every block) does not cover: the
// agent's API and live re-runs, results across a restart, and stack files Compose rejects.
const PushedResults = z.object({ block: z.literal("h03-04"), results: z.array(CheckResult) });
const t = checkLab("ckag");

beforeAll(async () => {
  await t.up();
});
afterAll(async () => {
  await t.down();
});

describe.sequential(`checks through the agent, on lab ${t.lab}`, () => {
  it("Ctrl-C on `drydock solve` (or an abort in-process) stops its script in the lab too; the solve run again finishes it", async () => {
    // Interrupted once the script is at work in the lab (a line it prints, shown with --verbose).
    const said = await drydockKilledAt(["solve", "h03-04", "--lab", t.lab, "--verbose"], "solve: wrote", {
      home: t.home,
      signal: "SIGINT",
    });
    expect(said).toMatch(/The solve script for h03-04 was interrupted \(SIGINT\) and stopped in the lab/);
    const left = async () =>
      (
        await execIn(await hostDocker(), t.lab, "laptop", ["pgrep", "-af", "/workspace/.drydock/"])
      ).output.trim();
    expect(await left()).toBe("");
    // The same from a caller in the agent's process (a test's time limit): an abort signal.
    const abort = new AbortController();
    const aborted = solveExercise(
      {
        docker: await hostDocker(),
        lab: t.lab,
        home: t.home,
        progress: (e) => {
          // Its first line: the script is at work in the lab.
          if (e.kind === "log" && e.id === "solve") abort.abort("ran over its time");
        },
      },
      { block: "h03-04", signal: abort.signal },
    );
    await expect(aborted).rejects.toThrow(
      /The solve script for h03-04 was interrupted \(ran over its time\) and stopped in the lab/,
    );
    expect(await left()).toBe("");
    await t.solve("h03-04");
    // The solve's image build, twice on a loaded 2-core host: minutes.
  }, 600_000);

  it("the agent's API runs and serves results, re-runs them after lab events, and keeps them across a restart", async () => {
    const latestOf = async (agent: Awaited<ReturnType<typeof startAgent>>) => {
      const res = await api(agent, "/api/checks/h03-04");
      expect(res.status).toBe(200);
      return (await res.json()) as { results: CheckResult[] };
    };
    let agent = await startAgent({ home: t.home, lab: t.lab });
    try {
      const posted = await api(agent, "/api/checks/h03-04", { method: "POST" });
      expect(posted.status).toBe(200);
      const run = BlockRun.parse(await posted.json());
      expect(run.results.every((r) => r.status === "pass")).toBe(true);
      expect((await latestOf(agent)).results.find((r) => r.id === "image-non-root")?.status).toBe("pass");
      expect((await api(agent, "/api/checks/h99")).status).toBe(400);
      // A rebuild with USER root is an image event on laptop: the agent re-runs the snapshot checks
      // by itself and pushes the results to the page's event stream.
      const stream = await api(agent, "/api/checks/h03-04/events");
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const pushed = awaitServerEvent(
        stream,
        "results",
        (data) => {
          const r = PushedResults.parse(data).results.find((x) => x.id === "image-non-root");
          return r?.status === "fail" ? r : undefined;
        },
        // The wait includes the solve and rebuild it triggers: minutes on a busy 2-core host.
        240_000,
      );
      // On the lab solved in beforeAll, the mistake's script alone (what `solve --mistake` runs after a solve).
      await t.mistakeScript("h03-04", "mistakes/user-root.sh");
      const live = await pushed;
      expect(evidenceText(live)).toContain('Config.User="root"');
      expect((await latestOf(agent)).results.find((r) => r.id === "image-non-root")?.status).toBe("fail");
      // A run stored by another process (`drydock check`) is pushed too.
      const again = awaitServerEvent(
        await api(agent, "/api/checks/h03-04/events"),
        "results",
        (data) => PushedResults.parse(data).results.find((x) => x.id === "image-non-root" && x.at > live.at),
        120_000,
      );
      await t.check("h03-04", { only: ["image-non-root"] });
      expect((await again).status).toBe("fail");
    } finally {
      await agent.stop();
    }
    agent = await startAgent({ home: t.home, lab: t.lab });
    try {
      const after = await latestOf(agent);
      expect(after.results.find((r) => r.id === "image-non-root")?.status).toBe("fail");
      expect(after.results).toHaveLength(8);
    } finally {
      await agent.stop();
    }
  }, 600_000);

  it("h15-16 with a swarm but no stack: the swarm passes, every stack check fails; a stack file Compose rejects says so", async () => {
    await t.swarm();
    const run = await t.check("h15-16", { all: true });
    expect(result(run, "swarm-initialized").status).toBe("pass");
    const rest = { ...run, results: run.results.filter((r) => r.id !== "swarm-initialized") };
    expectAllFail(rest, /no such file|Spec\.Name=\[\]/);
    // A stack file that Compose itself rejects is read as Compose reads it, not as bare YAML.
    const stackFile = join(readSettings(t.home, t.lab)?.workspace ?? "", "reg-case-platform", "stack.yml");
    writeFileSync(stackFile, "services:\n  case-api:\n    imagee: registry:5000/reg-case-platform\n");
    try {
      const broken = result(await t.check("h15-16", { only: ["stack-deployed"] }), "stack-deployed");
      expect(broken.status).toBe("fail");
      expect(broken.summary).toMatch(/docker compose config rejects it: .*Additional property imagee/);
    } finally {
      rmSync(stackFile, { force: true });
    }
  });
});
