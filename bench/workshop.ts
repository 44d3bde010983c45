import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DrydockError } from "../lab-agent/src/common/errors.ts";
import { BlockId } from "../lab-agent/src/exercises/exercise-schema.ts";
import {
  DEFAULT_FIGURES,
  DEFAULT_HOST,
  type HostSpec,
  type LabFigures,
  readFigures,
} from "../lab-agent/src/workshop/lab-figures.ts";
import {
  type Failure,
  hostSeats,
  reservationOf,
  SimOptions,
  type SimReport,
  type Strategy,
  seatsByResource,
  simulate,
} from "../lab-agent/src/workshop/placement-sim.ts";

/** The figures last measured on a lab host, committed: what `--sim-only` reads by default. */
export const COMMITTED_FIGURES = fileURLToPath(new URL("./workshop-figures.json", import.meta.url));
const COMMITTED_FIGURES_NAME = "bench/workshop-figures.json";

const USAGE = `Usage: npm run bench -- workshop [--labs K] [--warm-labs W] [--no-swarm] [--out FILE]
                                    [--check-block B] [--check-rounds R] [simulation options]
       npm run bench -- workshop --sim-only [--figures FILE] [simulation options]
  --labs K          learners' labs brought up on this host through the agent's workshop join (default 3)
  --warm-labs W     of them, joined on a pre-warmed lab (default 1; the others join cold)
  --no-swarm        measure idle labs without forming their swarms
  --check-block B   the block whose checks every learner runs on their idle lab (default h03-04)
  --check-rounds R  how many times, all learners at once (default 5)
  --out FILE        write the measured figures there (default: a temporary file, printed)
  --sim-only        no Docker: simulate from --figures FILE, else from ${COMMITTED_FIGURES_NAME}
                    (the figures last measured here), else from the documented estimates
simulation options:
  --hosts N         hosts like the measured one (default: the figures file's hosts, else 3)
  --learners N      learners joining (default 40 per host, the issue's goal)
  --warm K          pre-warmed labs (default 3)    --seed S (default 1)    --minutes M (default 120)`;

/**
 * Workshop figures: idle labs measured on this host (bench/workshop-measure.ts: memory, CPU,
 * pids and disk per idle lab, join to terminal cold and pre-warmed), then the placement
 * simulation (lab-agent/src/workshop/placement-sim.ts) driven by them: first-fit and spread at
 * four reservation levels, through a surge of activity and a host dying. The simulation is a
 * model on paper; what it assumes is printed with it.
 */
export async function run(args: string[]): Promise<void> {
  try {
    await bench(parseArgs(args));
  } catch (err) {
    if (!(err instanceof DrydockError)) throw err;
    process.stderr.write(
      `${err.message}\n${err.hint ? `${err.hint}\n` : ""}${err.details ? `${err.details}\n` : ""}`,
    );
    process.exit(err.exitCode);
  }
}

async function bench(opt: Args): Promise<void> {
  const figure = (name: string, value: number, unit: string) =>
    process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}\n`);

  let figures: LabFigures;
  if (opt.simOnly) {
    const file = opt.figures ?? (existsSync(COMMITTED_FIGURES) ? COMMITTED_FIGURES : undefined);
    figures = file ? readFigures(file) : DEFAULT_FIGURES;
  } else {
    const { measureFigures } = await import("./workshop-measure.ts"); // Docker only when measuring
    figures = (
      await measureFigures({
        labs: opt.labs,
        warmLabs: opt.warmLabs,
        swarm: opt.swarm,
        checkBlock: opt.checkBlock,
        checkRounds: opt.checkRounds,
        figure,
        say: (line) => process.stderr.write(`# ${line}\n`),
      })
    ).figures;
    const out = opt.out ?? join(mkdtempSync(join(tmpdir(), "drydock-workshop-")), "figures.json");
    writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(
      `# figures written to ${out} (rerun: npm run bench -- workshop --sim-only --figures ${out})\n`,
    );
  }

  const base = figures.hosts?.[0] ?? DEFAULT_HOST;
  const hosts: HostSpec[] =
    opt.hosts === undefined && figures.hosts && figures.hosts.length > 1
      ? figures.hosts
      : Array.from({ length: opt.hosts ?? 3 }, (_, i) => ({ ...base, name: `host-${i + 1}` }));
  const learners = opt.learners ?? 40 * hosts.length;
  const defaults = SimOptions.parse({ learners });

  process.stdout.write(
    `# figures: ${figures.measuredOn ?? "(no note)"}; idle ${figures.idle.source}, active ${figures.active.source}, timings ${figures.timings.source}\n`,
  );
  const seatsAt = (share: number) =>
    hostSeats(base, reservationOf(figures, share), defaults.hostReserve, defaults.cpuOvercommit);
  const idleFit = seatsAt(0);
  const activeFit = seatsAt(1);
  const by = seatsByResource(base, reservationOf(figures, 0), defaults.hostReserve, defaults.cpuOvercommit);
  const r = defaults.hostReserve;
  process.stdout.write(
    `# idle labs on ${base.name} (${base.memoryMiB} MiB, ${base.cpus} cores, ${base.pids} tasks, ${base.diskMiB} MiB disk; ` +
      `kept for the host: ${r.memoryMiB} MiB, ${r.cpus} cores, ${r.pids} tasks, ${r.diskMiB} MiB; CPU overcommitted x${defaults.cpuOvercommit}): ` +
      `memory fits ${by.memoryMiB}, CPU ${by.cpus}, pids ${by.pids}, disk ${by.diskMiB}\n`,
  );
  figure(
    "workshop.idle_labs_fit.per_host",
    idleFit.seats,
    `labs (limited by ${idleFit.limitedBy}; goal >= 40; figures ${figures.idle.source})`,
  );
  figure(
    "workshop.active_budget_labs_fit.per_host",
    activeFit.seats,
    `labs (by ${activeFit.limitedBy}; active figures ${figures.active.source})`,
  );

  const failures: Failure[] = [{ kind: "surge", atMinute: 30, share: 0.6, minutes: 15 }];
  const victim = hosts[1]?.name;
  if (victim) failures.push({ kind: "host-dies", host: victim, atMinute: 75 });
  process.stdout.write(
    `# simulation: ${hosts.length} host(s) of ${base.memoryMiB} MiB, ${base.cpus} cores; ${learners} learners, ${opt.warm} warm, seed ${opt.seed}, ${opt.minutes} min; ` +
      `surge of 60% at minute 30 for 15 min${victim ? `; ${victim} dies at minute 75` : ""}\n`,
  );
  const reports: SimReport[] = [];
  for (const strategy of ["first-fit", "spread"] as Strategy[]) {
    for (const activeShare of [0, 0.25, 0.5, 1]) {
      reports.push(
        simulate(hosts, figures, {
          learners,
          strategy,
          activeShare,
          warm: opt.warm,
          seed: opt.seed,
          minutes: opt.minutes,
          failures,
        }),
      );
    }
  }
  process.stdout.write(`${table(reports)}\n`);
  process.stdout.write(
    `# assumptions:\n${(reports[0]?.assumptions ?? []).map((a) => `#  - ${a}`).join("\n")}\n`,
  );
}

function table(reports: SimReport[]): string {
  const head = [
    "strategy",
    "reserve",
    "seats/host",
    "placed",
    "full",
    "join p50/max s",
    "lost mem/disk/pids/host",
    "learners hit",
    "re-placed (warm)",
    "stranded",
    "recovery p50/max s",
    "peak CPU load",
  ];
  const rows = reports.map((r) => {
    const by = (cause: string) => r.lost.filter((l) => l.cause === cause).length;
    return [
      r.strategy,
      `idle+${r.activeShare}`,
      r.hosts.map((h) => h.seats).join("/"),
      String(r.seatsPlaced),
      String(r.turnedAway),
      `${Math.round(r.joinSeconds.p50)}/${Math.round(r.joinSeconds.max)}`,
      `${by("memory")}/${by("disk")}/${by("pids")}/${by("host-died")}`,
      String(new Set(r.lost.map((l) => l.learner)).size),
      `${r.replaced.length} (${r.replaced.filter((x) => x.warm).length})`,
      String(r.stranded.length),
      r.recoverySeconds ? `${Math.round(r.recoverySeconds.p50)}/${Math.round(r.recoverySeconds.max)}` : "-",
      r.hosts.map((h) => h.peakCpuLoad.toFixed(1)).join("/"),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

interface Args {
  simOnly: boolean;
  warmLabs: number;
  checkBlock: string;
  checkRounds: number;
  figures: string | undefined;
  out: string | undefined;
  labs: number;
  swarm: boolean;
  hosts: number | undefined;
  learners: number | undefined;
  warm: number;
  seed: number;
  minutes: number;
}

function parseArgs(args: string[]): Args {
  const out: Args = {
    simOnly: false,
    warmLabs: 1,
    checkBlock: "h03-04",
    checkRounds: 5,
    figures: undefined,
    out: undefined,
    labs: 3,
    swarm: true,
    hosts: undefined,
    learners: undefined,
    warm: 3,
    seed: 1,
    minutes: 120,
  };
  const fail = (message: string): never => {
    process.stderr.write(`${message}\n${USAGE}\n`);
    process.exit(2);
  };
  const count = (name: string, text: string | undefined, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) fail(`${name} needs a whole number of at least ${min}.`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => args[++i] ?? fail(`${a} needs a value.`);
    if (a === "--sim-only") out.simOnly = true;
    else if (a === "--no-swarm") out.swarm = false;
    else if (a === "--figures") out.figures = value();
    else if (a === "--out") out.out = value();
    else if (a === "--labs") out.labs = count(a, value(), 1);
    else if (a === "--warm-labs") out.warmLabs = count(a, value(), 0);
    else if (a === "--check-block") out.checkBlock = value();
    else if (a === "--check-rounds") out.checkRounds = count(a, value(), 1);
    else if (a === "--hosts") out.hosts = count(a, value(), 1);
    else if (a === "--learners") out.learners = count(a, value(), 1);
    else if (a === "--warm") out.warm = count(a, value(), 0);
    else if (a === "--seed") out.seed = count(a, value(), 0);
    else if (a === "--minutes") out.minutes = count(a, value(), 0);
    else fail(`Unknown option ${a}.`);
  }
  if (out.figures && !out.simOnly)
    fail("--figures goes with --sim-only (measuring writes figures with --out).");
  if (out.warmLabs > out.labs) fail(`--warm-labs ${out.warmLabs}: more than --labs ${out.labs}.`);
  if (!BlockId.safeParse(out.checkBlock).success)
    fail(`--check-block ${out.checkBlock} is not a block id (h03-04).`);
  return out;
}
