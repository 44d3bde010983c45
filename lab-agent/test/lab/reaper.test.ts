import { spawn } from "node:child_process";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHECK_LABEL } from "../../src/checks/engine-reads.ts";
import { repoRoot } from "../../src/common/paths.ts";
import { checkLab } from "../support/check-lab.ts";
import { drydock } from "../support/cli.ts";
import { execIn, hostDocker, nodeClient, until } from "../support/lab-helpers.ts";

/**
 * Issue 11.5: a checker killed mid-probe leaves its scratch copies behind (a restart probe's
 * `unless-stopped` copy crash-loops on laptop); the next `lab up` and the next check run remove
 * them. The learner's container is a stand-in (redis:8 running sh) that crashes slowly when the
 * restart probe sets APP_PORT=invalid, so the probe is still running when the checker is killed.
 */
const BIN = join(repoRoot, "lab-agent", "bin", "drydock.mjs");
const t = checkLab("reap");
let laptop: Docker;

beforeAll(async () => {
  await t.up();
  const host = await hostDocker();
  laptop = await nodeClient(host, t.lab, "laptop");
  const run = await execIn(host, t.lab, "laptop", [
    "docker",
    "run",
    "-d",
    "--name",
    "case-api",
    "--restart",
    "unless-stopped",
    "--entrypoint",
    "sh",
    "redis:8",
    "-c",
    'if [ "$APP_PORT" = invalid ]; then sleep 4; exit 3; fi; exec sleep 3600',
  ]);
  expect(run.code, run.output).toBe(0);
});
afterAll(async () => {
  await t.down();
});

const scratch = () => laptop.listContainers({ all: true, filters: { label: [CHECK_LABEL] } });

/** Starts `drydock check h05-06` and SIGKILLs it once its restart probe's copy is running. */
async function killMidProbe(): Promise<Docker.ContainerInfo> {
  const child = spawn(process.execPath, [BIN, "check", "h05-06", "--lab", t.lab, "--json"], {
    env: { ...process.env, DRYDOCK_HOME: t.home },
    stdio: "ignore",
  });
  const closed = new Promise((r) => child.on("close", r));
  try {
    return await until(
      "the restart probe's copy",
      // Running, not just created: a copy killed between create and start never restarts.
      async () =>
        (await scratch()).find(
          (c) => c.State === "running" && c.Names.some((n) => n.includes("case-api-restart-drydock")),
        ),
      120_000,
    );
  } finally {
    child.kill("SIGKILL");
    await closed;
  }
}

describe.sequential(`the reaper on lab ${t.lab}`, () => {
  it("a killed check leaves a crash-looping copy; lab up removes it", async () => {
    const left = await killMidProbe();
    const info = await until("a restart of the leftover", async () => {
      const i = await laptop.getContainer(left.Id).inspect();
      return i.RestartCount >= 1 ? i : undefined;
    });
    expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
    const up = await drydock(["lab", "up", "--lab", t.lab], { home: t.home });
    expect(up.code, up.stderr).toBe(0);
    expect(`${up.stdout}${up.stderr}`).toMatch(
      /Removed leftovers of interrupted checks \(laptop: .*case-api-restart-drydock/,
    );
    expect(await scratch()).toEqual([]);
  });

  it("a killed check's leftovers are gone once the next check run starts", async () => {
    const left = await killMidProbe();
    await t.check("h05-06");
    const ids = (await scratch()).map((c) => c.Id);
    expect(ids).not.toContain(left.Id);
    expect(ids).toEqual([]);
  });
});
