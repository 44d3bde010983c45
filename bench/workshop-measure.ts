import { mkdtempSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import type Docker from "dockerode";
import pino from "pino";
import { workshopCommand } from "../lab-agent/src/cli/workshop-commands.ts";
import { silentProgress } from "../lab-agent/src/common/progress.ts";
import { runCommand } from "../lab-agent/src/common/run-command.ts";
import { ensureEngine } from "../lab-agent/src/engine/ensure-engine.ts";
import { ensureImages } from "../lab-agent/src/images/ensure-images.ts";
import { containerName, ROLES, volumeName } from "../lab-agent/src/lab/lab-names.ts";
import { formSwarm } from "../lab-agent/src/lab/lab-swarm.ts";
import { newAccessToken } from "../lab-agent/src/server/access-token.ts";
import type { AgentServer } from "../lab-agent/src/server/agent-server.ts";
import { dockerCliEnv } from "../lab-agent/src/terminal/docker-exec.ts";
import { type HostFigures, readHostFigures } from "../lab-agent/src/workshop/capacity.ts";
import { parseDockerStats } from "../lab-agent/src/workshop/docker-stats.ts";
import type { LabRecord } from "../lab-agent/src/workshop/event-schema.ts";
import { DEFAULT_FIGURES, type HostSpec, type LabFigures } from "../lab-agent/src/workshop/lab-figures.ts";
import { percentile, summarize } from "../lab-agent/src/workshop/placement-sim.ts";
import { labelledLeftovers, removeLabResources } from "../lab-agent/src/workshop/remove-lab.ts";
import { eventPath, readState } from "../lab-agent/src/workshop/roster.ts";
import { TermClient } from "../lab-agent/test/support/agent-client.ts";
import { callAgent, startWorkshopAgent } from "../lab-agent/test/support/offline-agent.ts";

type Figure = (name: string, value: number, unit: string) => void;

export interface MeasureOptions {
  /** Learners' labs in all: `labs - warmLabs` join cold, `warmLabs` join a pre-warmed lab. */
  labs: number;
  warmLabs: number;
  swarm: boolean;
  /** The block whose checks each learner runs on their idle lab (POST /api/checks/<block>). */
  checkBlock: string;
  checkRounds: number;
  figure: Figure;
  /** Progress lines (the run takes minutes). */
  say: (line: string) => void;
}

export interface CheckFigures {
  block: string;
  /** Press of "Check" to its answer, through the agent (HTTP), in ms. */
  requestMs: number[];
  /** The check run's own duration (the agent's durationMs), in ms. */
  runMs: number[];
}

/** One workshop event on its own agent (and DRYDOCK_HOME), as `drydock workshop start` opens it. */
interface Event {
  name: string;
  home: string;
  token: string;
  code: string;
  agent: AgentServer;
}

interface Learner {
  event: Event;
  name: string;
  lab: string;
  credential: string;
}

/**
 * Measures the workshop through the real agent, as learners meet it. Two events on this host's
 * engine, each opened by `drydock workshop start` (in process) and served by its own agent with the
 * real lab starter: a cold one (no warm labs: each learner's lab starts when they join) and a
 * pre-warmed one (`--warm W`: its labs are started before anyone joins). For each learner: join
 * (POST /api/workshop/join) → their lab ready (GET /api/workshop/me) → a terminal on laptop opened
 * with their credential answering a command. Then, with every lab idle (swarm formed unless
 * `swarm` is false): each lab's memory, CPU and pids (`docker stats`, three samples) and disk
 * (the engine's df), and each learner running one block's checks a few times, all at once.
 * Every lab made is removed at the end (`drydock workshop stop`, then by its labels).
 */
export async function measureFigures(opts: MeasureOptions): Promise<{
  figures: LabFigures;
  host: HostSpec;
  checks: CheckFigures;
}> {
  const { figure, say } = opts;
  const t0 = performance.now();
  const log = (line: string) =>
    say(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const engine = await ensureEngine({ progress: silentProgress });
  const docker = engine.docker;
  await ensureImages(docker, { progress: silentProgress });
  const coldCount = opts.labs - opts.warmLabs;
  const events: Event[] = [];
  const learners: Learner[] = [];
  try {
    // Cold: every learner's lab starts when they join.
    const cold: number[] = [];
    if (coldCount > 0) {
      const event = await openEvent(docker, "cold", coldCount, 0, log);
      events.push(event);
      for (let i = 1; i <= coldCount; i++) {
        const r = await joinToTerminal(event, `Cold ${i}`, log);
        learners.push(r.learner);
        cold.push(r.seconds);
        figure(`workshop.join_to_terminal.cold.learner${i}`, r.seconds, "s");
      }
    }

    // Pre-warmed: the event starts its W labs ahead; learners join once they are ready.
    const warm: number[] = [];
    if (opts.warmLabs > 0) {
      const event = await openEvent(docker, "warm", opts.warmLabs, opts.warmLabs, log);
      events.push(event);
      const warmedIn = await waitWarmReady(event, opts.warmLabs, log);
      figure("workshop.prewarm.all_ready", warmedIn, "s");
      for (let i = 1; i <= opts.warmLabs; i++) {
        const r = await joinToTerminal(event, `Warm ${i}`, log);
        learners.push(r.learner);
        warm.push(r.seconds);
        figure(`workshop.join_to_terminal.warm.learner${i}`, r.seconds, "s");
      }
    }
    if (cold.length) {
      figure("workshop.join_to_terminal.cold.p50", percentile(cold, 50), "s");
      figure("workshop.join_to_terminal.cold.max", Math.max(...cold), "s");
    }
    if (warm.length) {
      figure("workshop.join_to_terminal.warm.p50", percentile(warm, 50), "s");
      figure("workshop.join_to_terminal.warm.max", Math.max(...warm), "s");
    }

    if (opts.swarm) {
      for (const l of learners) {
        log(`forming ${l.lab}'s swarm (an idle lab of a later block has one)`);
        await formSwarm({ docker, lab: l.lab, home: l.event.home, progress: silentProgress });
      }
    }
    log("letting start-up work settle for 20 s before reading the labs idle");
    await sleep(20_000);

    const labs = learners.map((l) => l.lab);
    const samples: ReturnType<typeof parseDockerStats>[] = [];
    for (let s = 1; s <= 3; s++) {
      log(
        `docker stats of ${labs.length} idle labs (${labs.length * ROLES.length} containers), sample ${s} of 3`,
      );
      samples.push(await dockerStats(docker, labs));
    }
    const disk = await labDiskMiB(docker, labs);
    const perLab = labs.map((lab) => {
      const mine = samples.map((stats) => {
        const rows = stats.filter((c) => c.name.startsWith(`drydock-${lab}-`));
        if (rows.length !== ROLES.length) {
          throw new Error(`docker stats showed ${rows.length} of ${ROLES.length} containers of ${lab}`);
        }
        return {
          memoryMiB: sum(rows.map((c) => c.memoryMiB)),
          cpus: sum(rows.map((c) => c.cpus)),
          pids: sum(rows.map((c) => c.pids)),
        };
      });
      return {
        // Memory and pids: the largest sample; CPU: the mean of the samples (one is noisy).
        memoryMiB: Math.max(...mine.map((m) => m.memoryMiB)),
        cpus: sum(mine.map((m) => m.cpus)) / mine.length,
        pids: Math.max(...mine.map((m) => m.pids)),
        diskMiB: disk.get(lab) ?? 0,
      };
    });
    for (const [i, lab] of perLab.entries()) {
      figure(`workshop.idle_memory.lab${i + 1}`, lab.memoryMiB, "MiB");
    }
    const last = samples[samples.length - 1] ?? [];
    for (const role of ROLES) {
      const mib = last.filter((c) => c.name.endsWith(`-${role}`)).map((c) => c.memoryMiB);
      if (mib.length) figure(`workshop.idle_memory.${role}.mean`, sum(mib) / mib.length, "MiB");
    }
    // The per-lab figure the simulation and the seat count use: the largest lab seen, not the mean.
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

    const checks = await checkUnderLoad(learners, opts.checkBlock, opts.checkRounds, log);
    const request = summarize(checks.requestMs);
    const run = summarize(checks.runMs);
    figure(`workshop.checks.${opts.checkBlock}.request.p50`, request.p50, "ms");
    figure(
      `workshop.checks.${opts.checkBlock}.request.p95`,
      request.p95,
      `ms (goal <= 2000; ${request.count} runs, ${learners.length} learners at once)`,
    );
    figure(`workshop.checks.${opts.checkBlock}.request.max`, request.max, "ms");
    figure(`workshop.checks.${opts.checkBlock}.run.p50`, run.p50, "ms");
    figure(`workshop.checks.${opts.checkBlock}.run.p95`, run.p95, "ms");

    const host = await thisHost(docker, sum([...disk.values()]));
    // Timings depend on what else the host runs: the 1-minute load average says how busy it was.
    const load = loadavg()[0] ?? 0;
    figure("workshop.host_load_average.at_end", load, `(1 min; ${host.cpus} cores)`);
    return {
      host,
      checks,
      figures: {
        measuredOn:
          `npm run bench -- workshop --labs ${opts.labs} --warm-labs ${opts.warmLabs}${opts.swarm ? "" : " --no-swarm"}` +
          ` (through the agent's workshop join), ${host.cpus} cores, ${Math.round(host.memoryMiB / 1024)} GiB,` +
          ` load average ${load.toFixed(1)} at the end, ${new Date().toISOString()}`,
        idle: { source: "measured", footprint: idle },
        active: DEFAULT_FIGURES.active,
        timings: {
          source: "measured",
          joinColdSeconds: round(
            cold.length ? percentile(cold, 95) : DEFAULT_FIGURES.timings.joinColdSeconds,
            2,
          ),
          joinWarmSeconds: round(
            warm.length ? percentile(warm, 95) : DEFAULT_FIGURES.timings.joinWarmSeconds,
            2,
          ),
        },
        hosts: [host],
      },
    };
  } finally {
    await cleanUp(docker, events, log);
  }
}

/** `drydock workshop start --seats N --warm W --supervised --force --json` in a fresh DRYDOCK_HOME, and its agent. */
async function openEvent(
  docker: Docker,
  name: string,
  seats: number,
  warm: number,
  log: (line: string) => void,
): Promise<Event> {
  const home = mkdtempSync(join(tmpdir(), `drydock-bench-${name}-`));
  const token = newAccessToken();
  const { agent, code, capacity } = await startWorkshopAgent({
    home,
    token,
    docker,
    seats,
    // Supervised: no lab is reaped while the benchmark runs (its learners type nothing for minutes).
    startFlags: ["--warm", String(warm), "--supervised"],
    version: "bench",
    log: pino({ level: "warn" }),
  });
  log(`${name} event: ${seats} seat(s), ${warm} warm; workshop start said: ${capacity}`);
  return { name, home, token, code, agent };
}

/** One learner: join → their lab ready → a terminal on laptop answering. */
async function joinToTerminal(
  event: Event,
  name: string,
  log: (line: string) => void,
): Promise<{ learner: Learner; seconds: number }> {
  const started = performance.now();
  const joined = await callAgent(event.agent.origin, "/api/workshop/join", undefined, {
    code: event.code,
    name,
  });
  if (joined.status !== 201)
    throw new Error(`join as ${name} refused (${joined.status}): ${JSON.stringify(joined.json)}`);
  const learner: Learner = { event, name, lab: joined.json.learner.lab, credential: joined.json.credential };
  log(`${name} joined the ${event.name} event: lab ${learner.lab} ${joined.json.labState}`);
  let lastSaid = performance.now();
  for (;;) {
    const me = await callAgent(event.agent.origin, "/api/workshop/me", learner.credential);
    const state = me.json.lab?.state;
    if (state === "ready") break;
    if (state === "failed" || state === "removed" || me.status !== 200) {
      const roster = await callAgent(event.agent.origin, "/api/workshop/roster", event.token);
      const mine = roster.json.learners?.find((l: { lab: string }) => l.lab === learner.lab);
      throw new Error(
        `${learner.lab} of ${name} is ${state ?? `unknown (HTTP ${me.status})`}: ${me.json.lab?.error ?? ""}\n${mine?.labState?.logTail ?? ""}`,
      );
    }
    if (performance.now() - lastSaid > 15_000) {
      lastSaid = performance.now();
      log(`  ${learner.lab} still ${state} after ${((lastSaid - started) / 1000).toFixed(0)} s`);
    }
    if (performance.now() - started > 600_000) throw new Error(`${learner.lab} was not ready in 10 min`);
    await sleep(250);
  }
  const ready = (performance.now() - started) / 1000;
  await promptIn({ origin: event.agent.origin, token: learner.credential });
  const seconds = (performance.now() - started) / 1000;
  log(
    `${name}: lab ready ${ready.toFixed(1)} s after joining, terminal answering at ${seconds.toFixed(1)} s`,
  );
  return { learner, seconds };
}

/** Waits until `count` warm labs of the event are ready (a failed one is an error, with its log tail). */
async function waitWarmReady(event: Event, count: number, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  let lastSaid = started;
  for (;;) {
    const labs = (readState(eventPath(event.home))?.labs ?? []).filter((l) => !l.learner);
    const failed = labs.find((l: LabRecord) => l.state === "failed");
    if (failed)
      throw new Error(`warm lab ${failed.lab} failed: ${failed.error ?? ""}\n${failed.logTail ?? ""}`);
    const ready = labs.filter((l) => l.state === "ready").length;
    if (ready >= count) break;
    if (performance.now() - lastSaid > 15_000) {
      lastSaid = performance.now();
      log(
        `  pre-warming: ${ready} of ${count} warm labs ready after ${((lastSaid - started) / 1000).toFixed(0)} s`,
      );
    }
    if (performance.now() - started > 900_000) throw new Error(`the warm labs were not ready in 15 min`);
    await sleep(500);
  }
  const seconds = (performance.now() - started) / 1000;
  log(`${count} warm lab(s) ready ${seconds.toFixed(1)} s after the event opened`);
  return seconds;
}

/**
 * Every learner presses "Check" on `block` at the same moment, `rounds` times: the request's time
 * through the agent and the run's own. A fresh lab fails most checks; the time is the point.
 */
async function checkUnderLoad(
  learners: Learner[],
  block: string,
  rounds: number,
  log: (line: string) => void,
): Promise<CheckFigures> {
  const out: CheckFigures = { block, requestMs: [], runMs: [] };
  for (let round = 1; round <= rounds; round++) {
    const results = await Promise.all(
      learners.map(async (l) => {
        const started = performance.now();
        const r = await callAgent(l.event.agent.origin, `/api/checks/${block}`, l.credential, {});
        const ms = performance.now() - started;
        if (r.status !== 200)
          throw new Error(`checks of ${block} for ${l.name}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
        return {
          ms,
          run: Number(r.json.durationMs),
          statuses: (r.json.results as { status: string }[]).map((x) => x.status),
        };
      }),
    );
    for (const r of results) {
      out.requestMs.push(r.ms);
      out.runMs.push(r.run);
    }
    log(
      `checks of ${block}, round ${round} of ${rounds}, ${learners.length} learners at once: ` +
        `${results.map((r) => `${Math.round(r.ms)} ms`).join(", ")} (${results[0]?.statuses.join("/")})`,
    );
  }
  return out;
}

/** Closes the agents, then `drydock workshop stop` for each event; anything left goes by its labels. */
async function cleanUp(docker: Docker, events: Event[], log: (line: string) => void): Promise<void> {
  const labs: string[] = [];
  for (const e of events) {
    await e.agent.close().catch(() => {});
    labs.push(...(readState(eventPath(e.home))?.labs ?? []).map((l) => l.lab));
  }
  for (const e of events) {
    log(`drydock workshop stop (${e.name} event)`);
    const sink = new Writable({ write: (_c, _e, done) => done() });
    await workshopCommand(["stop", "--json"], { stdout: sink, stderr: sink }, { home: e.home }).catch((err) =>
      log(`  stop: ${(err as Error).message}`),
    );
  }
  for (const lab of labs) await removeLabResources(docker, lab).catch(() => {});
  const left = await labelledLeftovers(docker, labs);
  const count = left.containers.length + left.networks.length + left.volumes.length;
  log(
    count === 0
      ? `removed ${labs.length} lab(s): nothing labelled with them is left`
      : `left behind: ${[...left.containers, ...left.networks, ...left.volumes].join(", ")}`,
  );
}

async function dockerStats(docker: Docker, labs: string[]) {
  const names = labs.flatMap((lab) => ROLES.map((role) => containerName(lab, role)));
  const out = await runCommand("docker", ["stats", "--no-stream", "--format", "{{json .}}", ...names], {
    env: dockerCliEnv(docker),
  });
  if (out.code !== 0) throw new Error(`docker stats failed: ${out.stderr.trim()}`);
  return parseDockerStats(out.stdout);
}

/** Opens a terminal on laptop through the agent (with `agent.token`, here a learner's credential). */
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
 * This host's totals: memory and cores from the OS, the kernel's task limit (the lower of
 * pid_max and threads-max, as the capacity check reads it), and for disk what is free where
 * Docker writes plus what the measured labs already hold (images stay where they are).
 */
async function thisHost(docker: Docker, labsDiskMiB: number): Promise<HostSpec> {
  const info = (await docker.info()) as { DockerRootDir?: string };
  let figures: HostFigures | undefined;
  try {
    figures = readHostFigures({ diskPath: info.DockerRootDir ?? "/var/lib/docker" });
  } catch {
    // a remote engine's root is not on this machine, or no /proc: keep the documented defaults
  }
  return {
    name: "this-host",
    memoryMiB: Math.round(totalmem() / 1024 ** 2),
    cpus: cpus().length,
    pids: figures?.pidLimit ?? 32_768,
    diskMiB: Math.round(figures ? figures.diskAvailableBytes / 1024 ** 2 + labsDiskMiB : 100 * 1024),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
