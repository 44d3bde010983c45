import { mkdtempSync, readFileSync, statfsSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import pino from "pino";
import { consoleProgress } from "../lab-agent/src/cli/render.ts";
import { silentProgress } from "../lab-agent/src/common/progress.ts";
import { runCommand } from "../lab-agent/src/common/run-command.ts";
import { ensureEngine } from "../lab-agent/src/engine/ensure-engine.ts";
import { ensureImages } from "../lab-agent/src/images/ensure-images.ts";
import { type LabContext, labDown, labUp } from "../lab-agent/src/lab/lab-lifecycle.ts";
import { containerName, ROLES, volumeName } from "../lab-agent/src/lab/lab-names.ts";
import { formSwarm } from "../lab-agent/src/lab/lab-swarm.ts";
import { newAccessToken } from "../lab-agent/src/server/access-token.ts";
import { type AgentServer, startAgentServer } from "../lab-agent/src/server/agent-server.ts";
import { dockerCliEnv } from "../lab-agent/src/terminal/docker-exec.ts";
import { parseDockerStats } from "../lab-agent/src/workshop/docker-stats.ts";
import { DEFAULT_FIGURES, type HostSpec, type LabFigures } from "../lab-agent/src/workshop/lab-figures.ts";
import { percentile } from "../lab-agent/src/workshop/placement-sim.ts";
import { TermClient } from "../lab-agent/test/support/agent-client.ts";

type Figure = (name: string, value: number, unit: string) => void;

interface Seat {
  ctx: LabContext;
  server: AgentServer;
  token: string;
}

/**
 * Brings up `labs` labs one after another on this host, as learners joining would, and reads:
 * join to a terminal prompt on a new lab (cold) and on a running one (warm: what a pre-warmed
 * lab costs a learner), then each idle lab's memory, CPU and pids from `docker stats --no-stream`
 * and its disk from the engine's df. The active figures stay estimates: nothing here is active.
 */
export async function measureFigures(opts: { labs: number; swarm: boolean; figure: Figure }): Promise<{
  figures: LabFigures;
  host: HostSpec;
}> {
  const { figure } = opts;
  const engine = await ensureEngine({ progress: consoleProgress(false) });
  const docker = engine.docker;
  await ensureImages(docker, { progress: silentProgress });
  const stamp = Date.now().toString(36);
  const seats: Seat[] = [];
  try {
    const cold: number[] = [];
    for (let i = 1; i <= opts.labs; i++) {
      const ctx: LabContext = {
        docker,
        lab: `bw${stamp}-${i}`.slice(0, 24),
        home: mkdtempSync(join(tmpdir(), "drydock-bench-")),
        progress: silentProgress,
      };
      const token = newAccessToken();
      // The agent is up before the learner joins: its start is not part of the join.
      const server = await startAgentServer({
        host: "127.0.0.1",
        port: 0,
        token,
        docker,
        lab: ctx.lab,
        home: ctx.home,
        version: "bench",
        log: pino({ level: "warn" }),
      });
      seats.push({ ctx, server, token });
      const started = performance.now();
      const status = await labUp(ctx);
      if (!status.healthy) throw new Error(`lab ${ctx.lab} did not come up healthy`);
      await promptIn({ origin: server.origin, token });
      const seconds = (performance.now() - started) / 1000;
      cold.push(seconds);
      figure(`workshop.join_to_terminal.cold.lab${i}`, seconds, "s");
      if (opts.swarm) await formSwarm(ctx);
    }

    const warm: number[] = [];
    for (const seat of seats) {
      const started = performance.now();
      await promptIn({ origin: seat.server.origin, token: seat.token });
      warm.push((performance.now() - started) / 1000);
    }
    figure("workshop.join_to_terminal.cold.p50", percentile(cold, 50), "s");
    figure("workshop.join_to_terminal.cold.max", Math.max(...cold), "s");
    figure("workshop.join_to_terminal.warm.p50", percentile(warm, 50), "s");
    figure("workshop.join_to_terminal.warm.max", Math.max(...warm), "s");

    await new Promise((r) => setTimeout(r, 15_000)); // let start-up work settle before reading "idle"
    const names = seats.flatMap((s) => ROLES.map((role) => containerName(s.ctx.lab, role)));
    const out = await runCommand("docker", ["stats", "--no-stream", "--format", "{{json .}}", ...names], {
      env: dockerCliEnv(docker),
    });
    if (out.code !== 0) throw new Error(`docker stats failed: ${out.stderr.trim()}`);
    const stats = parseDockerStats(out.stdout);
    const disk = await labDiskMiB(
      docker,
      seats.map((s) => s.ctx.lab),
    );
    const perLab = seats.map((s) => {
      const mine = stats.filter((c) => c.name.startsWith(`drydock-${s.ctx.lab}-`));
      if (mine.length !== ROLES.length) {
        throw new Error(`docker stats showed ${mine.length} of ${ROLES.length} containers of ${s.ctx.lab}`);
      }
      return {
        memoryMiB: sum(mine.map((c) => c.memoryMiB)),
        cpus: sum(mine.map((c) => c.cpus)),
        pids: sum(mine.map((c) => c.pids)),
        diskMiB: disk.get(s.ctx.lab) ?? 0,
      };
    });
    for (const [i, lab] of perLab.entries()) figure(`workshop.idle_memory.lab${i + 1}`, lab.memoryMiB, "MiB");
    for (const role of ROLES) {
      const mib = stats.filter((c) => c.name.endsWith(`-${role}`)).map((c) => c.memoryMiB);
      figure(`workshop.idle_memory.${role}.mean`, sum(mib) / mib.length, "MiB");
    }
    // The per-lab figure the simulation uses: the largest lab seen, not the mean.
    const idle = {
      memoryMiB: round(Math.max(...perLab.map((l) => l.memoryMiB))),
      cpus: round(Math.max(...perLab.map((l) => l.cpus)), 3),
      pids: Math.max(...perLab.map((l) => l.pids)),
      diskMiB: round(Math.max(...perLab.map((l) => l.diskMiB))),
    };
    figure("workshop.idle_memory.per_lab", idle.memoryMiB, "MiB");
    figure("workshop.idle_cpu.per_lab", idle.cpus, "cores");
    figure("workshop.idle_pids.per_lab", idle.pids, "pids");
    figure("workshop.idle_disk.per_lab", idle.diskMiB, "MiB");

    const host = await thisHost(docker, sum([...disk.values()]));
    return {
      host,
      figures: {
        measuredOn: `npm run bench -- workshop --labs ${opts.labs}${opts.swarm ? "" : " --no-swarm"}, ${host.cpus} cores, ${Math.round(host.memoryMiB / 1024)} GiB, ${new Date().toISOString()}`,
        idle: { source: "measured", footprint: idle },
        active: DEFAULT_FIGURES.active,
        timings: {
          source: "measured",
          joinColdSeconds: round(percentile(cold, 95), 2),
          joinWarmSeconds: round(percentile(warm, 95), 2),
        },
        hosts: [host],
      },
    };
  } finally {
    for (const seat of seats) await seat.server.close().catch(() => {});
    for (const seat of seats) await labDown(seat.ctx).catch(() => {});
  }
}

/** Opens a terminal on laptop through the agent and waits for a command's output. */
async function promptIn(agent: { origin: string; token: string }): Promise<void> {
  const client = new TermClient(agent, { tail: 8192 });
  try {
    await client.open("laptop");
    client.input("echo re-$((1+1))\r");
    await client.expectOutput(/re-2\r\n/, 60_000);
  } finally {
    client.close();
  }
}

/** Each lab's volumes and containers' writable layers, from the engine's df. */
async function labDiskMiB(docker: Docker, labs: string[]): Promise<Map<string, number>> {
  const df = (await docker.df()) as {
    Volumes?: { Name: string; UsageData?: { Size?: number } }[];
    Containers?: { Names?: string[]; SizeRw?: number }[];
  };
  const out = new Map<string, number>();
  for (const lab of labs) {
    const prefix = volumeName(lab, "");
    const volumes = (df.Volumes ?? []).filter((v) => v.Name.startsWith(prefix));
    const containers = (df.Containers ?? []).filter((c) => c.Names?.some((n) => n.startsWith(`/${prefix}`)));
    const bytes =
      sum(volumes.map((v) => Math.max(0, v.UsageData?.Size ?? 0))) +
      sum(containers.map((c) => Math.max(0, c.SizeRw ?? 0)));
    out.set(lab, bytes / 1024 ** 2);
  }
  return out;
}

/**
 * This host's totals: memory and cores from the OS, pids from the kernel, and for disk what is
 * free where Docker writes plus what the measured labs already hold (images stay where they are).
 */
async function thisHost(docker: Docker, labsDiskMiB: number): Promise<HostSpec> {
  const info = (await docker.info()) as { DockerRootDir?: string };
  let diskMiB = 100 * 1024;
  try {
    const fs = statfsSync(info.DockerRootDir ?? "/var/lib/docker");
    diskMiB = (fs.bavail * fs.bsize) / 1024 ** 2 + labsDiskMiB;
  } catch {
    // a remote engine's root is not on this machine: keep the documented default
  }
  let pids = 32_768;
  try {
    pids = Number(readFileSync("/proc/sys/kernel/pid_max", "utf8").trim()) || pids;
  } catch {
    // not Linux: keep the default
  }
  return {
    name: "this-host",
    memoryMiB: Math.round(totalmem() / 1024 ** 2),
    cpus: cpus().length,
    pids,
    diskMiB: Math.round(diskMiB),
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
