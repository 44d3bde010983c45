import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { consoleProgress } from "../lab-agent/src/cli/render.ts";
import { silentProgress } from "../lab-agent/src/common/progress.ts";
import { ensureEngine } from "../lab-agent/src/engine/ensure-engine.ts";
import { ensureImages } from "../lab-agent/src/images/ensure-images.ts";
import { type LabContext, labDown, labUp } from "../lab-agent/src/lab/lab-lifecycle.ts";
import { findLabResources } from "../lab-agent/src/lab/lab-resources.ts";
import { formSwarm } from "../lab-agent/src/lab/lab-swarm.ts";

/**
 * Lab figures: cold image build, warm `lab up` (images built, no lab yet) until every
 * engine answers, `lab up` of a running lab, `lab swarm`, and idle memory per node.
 * `--skip-cold` leaves the images as they are (the cold build takes a minute or more).
 */
export async function run(args: string[]): Promise<void> {
  const engine = await ensureEngine({ progress: consoleProgress(false) });
  const docker = engine.docker;
  const figure = (name: string, value: number, unit: string) =>
    process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);

  if (!args.includes("--skip-cold")) {
    const cold = await timed(() =>
      ensureImages(docker, { progress: silentProgress, force: true, offline: true }),
    );
    figure("lab.images.cold_build", cold.seconds, "s");
  } else {
    await ensureImages(docker, { progress: silentProgress });
  }

  const ctx: LabContext = {
    docker,
    lab: `bench${Date.now().toString(36)}`,
    home: mkdtempSync(join(tmpdir(), "drydock-bench-")),
    progress: silentProgress,
  };
  try {
    const up = await timed(() => labUp(ctx));
    if (!up.value.healthy) throw new Error("the lab did not come up healthy");
    figure("lab.up.warm", up.seconds, "s");
    figure("lab.up.reuse", (await timed(() => labUp(ctx))).seconds, "s");
    const swarm = await timed(() => formSwarm(ctx));
    figure("lab.swarm", swarm.seconds, "s");
    figure("lab.up_plus_swarm", up.seconds + swarm.seconds, "s");

    await new Promise((r) => setTimeout(r, 15_000)); // let start-up work settle before measuring "idle"
    let total = 0;
    for (const [role, c] of (await findLabResources(docker, ctx.lab)).containers) {
      const mib = await memoryMiB(docker, c.Id);
      total += mib;
      figure(`lab.idle_memory.${role}`, mib, "MiB");
    }
    figure("lab.idle_memory.total", total, "MiB");
  } finally {
    await labDown(ctx).catch(() => {});
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

/** Memory in use as `docker stats` counts it: usage less the reclaimable page cache. */
async function memoryMiB(docker: Docker, id: string): Promise<number> {
  const stats = (await docker.getContainer(id).stats({ stream: false })) as {
    memory_stats: { usage?: number; stats?: Record<string, number> };
  };
  const usage = stats.memory_stats.usage ?? 0;
  const cache = stats.memory_stats.stats?.total_inactive_file ?? stats.memory_stats.stats?.inactive_file ?? 0;
  return Math.round(((usage - cache) / 1024 ** 2) * 10) / 10;
}
