import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { drydockHome } from "../common/paths.ts";
import { ByteSize } from "../lab/lab-settings.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { type HostFigures, LAB_FIGURES, planCapacity, readHostFigures } from "../workshop/capacity.ts";
import { EventCode, type WorkshopEvent } from "../workshop/event-schema.ts";
import { DEFAULT_LAB_CAPS } from "../workshop/learner-labs.ts";
import { resultsCsv, resultsFileName } from "../workshop/results-csv.ts";
import { eventOver, newEvent, Roster, workshopDir, writeTextAtomically } from "../workshop/roster.ts";
import { type RosterView, rosterView } from "../workshop/roster-view.ts";
import { parseSubcommand } from "./cli-options.ts";

/**
 * `drydock workshop start|status|stop`: the event and its roster in DRYDOCK_HOME/workshop/ (the
 * running agent reads them there, serves the join and roster routes, and starts, warms and reaps
 * learners' labs). Parses its own options; only `stop` needs the engine, to remove the event's labs.
 */
export const WORKSHOP_USAGE = `  drydock workshop start --seats N [--code CODE] [--until TIME] [--warm K] [--supervised [--reap-supervised]]
                         [--reap-grace MIN] [--stuck-after MIN] [--idle-after MIN]
                         [--lab-memory SIZE] [--lab-disk SIZE] [--lab-pids N] [--lab-cpus N]
                         [--data-root DIR] [--force] [--json]
                                                  check this host's capacity, then open an event learners join
                                                  with its code (TIME: 17:30, 90m, 2h or an ISO date-time);
                                                  the running agent starts each learner's lab (--warm K ahead)
  drydock workshop status [--json]                the event, its time left, and everyone's state and lab
  drydock workshop stop [--json]                  end the event, remove every lab of it, and write everyone's
                                                  results as CSV
`;

/** Said by `start` and `status` while parts of workshop mode are still to build (issue 17). */
export const NOT_YET = [
  "learners' terminals and checks do not reach their own labs yet: each learner's lab is started, warmed and reaped, but the page still offers them no terminal in it",
  "there is no dashboard page yet: GET /api/workshop/roster (and `drydock workshop status`) has the data",
];

/** Removes a lab of the event from the host engine, and says what of the event's labs is left. */
export interface LabRemover {
  removeLab(lab: string): Promise<{ containers: number; networks: number; volumes: number }>;
  leftovers(
    labs: readonly string[],
  ): Promise<{ containers: string[]; networks: string[]; volumes: string[] }>;
}

/** Rounds of removal `stop` makes while an agent may still be finishing a lab it was starting. */
export const STOP_ROUNDS = 10;
const STOP_ROUND_MS = 3_000;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const Minutes = z.coerce.number().int().min(1).max(600);
const Options = z
  .object({
    seats: z.coerce.number().int().min(1, "at least 1").max(500, "at most 500").optional(),
    code: EventCode.optional(),
    until: z.string().min(1).optional(),
    warm: z.coerce.number().int().min(0).max(500).default(0),
    supervised: z.boolean().default(false),
    "reap-supervised": z.boolean().default(false),
    "reap-grace": Minutes.optional(),
    "stuck-after": Minutes.optional(),
    "idle-after": Minutes.optional(),
    "lab-memory": ByteSize.pipe(z.number().min(64 * 1024 ** 2, "at least 64m")).optional(),
    "lab-disk": ByteSize.pipe(z.number().min(64 * 1024 ** 2, "at least 64m")).optional(),
    "lab-pids": z.coerce.number().int().min(16).optional(),
    "lab-cpus": z.coerce.number().min(0.1, "at least 0.1").max(64, "at most 64").default(1),
    "data-root": z.string().min(1).optional(),
    force: z.boolean().default(false),
    json: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .strict();
type Options = z.infer<typeof Options>;

function usage(message: string): DrydockError {
  return new DrydockError(ErrorCode.usage, message, { hint: `Usage:\n${WORKSHOP_USAGE}` });
}

function parse(argv: string[]): { words: string[]; opts: Options } {
  return parseSubcommand(
    argv,
    {
      seats: { type: "string" },
      code: { type: "string" },
      until: { type: "string" },
      warm: { type: "string" },
      supervised: { type: "boolean" },
      "reap-supervised": { type: "boolean" },
      "reap-grace": { type: "string" },
      "stuck-after": { type: "string" },
      "idle-after": { type: "string" },
      "lab-memory": { type: "string" },
      "lab-disk": { type: "string" },
      "lab-pids": { type: "string" },
      "lab-cpus": { type: "string" },
      "data-root": { type: "string" },
      force: { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    Options,
    WORKSHOP_USAGE,
  );
}

/**
 * --until: a clock time (the next 17:30, local time), a length from now (90m, 2h, 1h30m), or a
 * date-time (2026-12-02T17:30, local unless it names its zone).
 */
export function parseUntil(text: string, now: number): number {
  const t = text.trim();
  const length = /^(?:(\d+)h)?(?:(\d+)m)?$/i.exec(t);
  if (length && (length[1] || length[2])) {
    return now + (Number(length[1] ?? 0) * 60 + Number(length[2] ?? 0)) * 60_000;
  }
  const clock = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(t);
  if (clock) {
    const d = new Date(now);
    d.setHours(Number(clock[1]), Number(clock[2]), 0, 0);
    if (d.getTime() <= now) d.setDate(d.getDate() + 1);
    return d.getTime();
  }
  const at = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(t) ? Date.parse(t) : Number.NaN;
  if (Number.isFinite(at)) return at;
  throw usage(
    `--until: "${text}" is not a time (17:30), a length (90m, 2h, 1h30m) or a date-time (2026-12-02T17:30).`,
  );
}

/** Runs `workshop <sub>`; returns the exit code. */
export async function workshopCommand(
  argv: string[],
  io: Io,
  deps: {
    home?: string;
    now?: () => number;
    host?: () => HostFigures;
    /** The host engine's labs (`stop`); default: the engine Drydock finds, asked only when there are labs. */
    remover?: () => Promise<LabRemover>;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<number> {
  const { words, opts } = parse(argv);
  if (opts.help) {
    io.stdout.write(`Usage:\n${WORKSHOP_USAGE}`);
    return 0;
  }
  if (words.length === 0) throw usage("`drydock workshop` needs a subcommand: start, status or stop.");
  const [sub, extra] = words;
  if (extra !== undefined) throw usage(`Unexpected argument "${extra}".`);
  const home = deps.home ?? drydockHome();
  const now = deps.now ?? Date.now;
  const roster = new Roster(home, { now });
  switch (sub) {
    case "start":
      return start(opts, io, { home, now, roster, ...(deps.host ? { host: deps.host } : {}) });
    case "status":
      return status(opts, io, home, roster, now());
    case "stop":
      return stop(opts, io, home, roster, now(), {
        remover: deps.remover ?? (() => engineRemover(home)),
        sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      });
    default:
      throw usage(`Unknown workshop subcommand "${sub}" (expected start, status or stop).`);
  }
}

async function start(
  opts: Options,
  io: Io,
  ctx: { home: string; now: () => number; roster: Roster; host?: () => HostFigures },
): Promise<number> {
  if (opts.seats === undefined) throw usage("`drydock workshop start` needs --seats N.");
  if (opts.warm > opts.seats) throw usage(`--warm ${opts.warm}: more warm labs than seats (${opts.seats}).`);
  if (opts["reap-supervised"] && !opts.supervised) {
    throw usage("--reap-supervised only means something with --supervised (other events reap anyway).");
  }
  const t = ctx.now();
  const until = opts.until !== undefined ? parseUntil(opts.until, t) : undefined;
  // Docker keeps images and volumes under its data root; statfs of it says what the labs may use.
  const diskPath = opts["data-root"] ?? (existsSync("/var/lib/docker") ? "/var/lib/docker" : ctx.home);
  const host = ctx.host?.() ?? readHostFigures({ diskPath });
  const plan = planCapacity(host, {
    perLab: {
      memoryBytes: opts["lab-memory"] ?? LAB_FIGURES.memoryBytes,
      diskBytes: opts["lab-disk"] ?? LAB_FIGURES.diskBytes,
      pids: opts["lab-pids"] ?? LAB_FIGURES.pids,
    },
    requested: opts.seats,
  });
  if (!plan.fits && !opts.force) {
    throw new DrydockError(ErrorCode.workshopFull, plan.message, {
      hint: "Lower --seats to what fits, or pass --force to open the event anyway (labs past what fits may then fail to start).",
    });
  }
  // Each node's ceiling is the whole lab's planning figure: one runaway node cannot take more
  // than its lab was counted for (node-spec minimums: 256 MiB, 256 processes).
  const labCaps = {
    memoryBytes: Math.max(256 * 1024 ** 2, opts["lab-memory"] ?? DEFAULT_LAB_CAPS.memoryBytes),
    pidsLimit: Math.max(256, opts["lab-pids"] ?? DEFAULT_LAB_CAPS.pidsLimit),
    nanoCpus: Math.round(opts["lab-cpus"] * 1e9),
  };
  const event = newEvent(
    {
      seats: opts.seats,
      warm: opts.warm,
      supervised: opts.supervised,
      reapSupervised: opts["reap-supervised"],
      labCaps,
      ...(opts.code ? { code: opts.code } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(opts["reap-grace"] ? { reapGraceMinutes: opts["reap-grace"] } : {}),
      ...(opts["stuck-after"] ? { stuckAfterMinutes: opts["stuck-after"] } : {}),
      ...(opts["idle-after"] ? { idleAfterMinutes: opts["idle-after"] } : {}),
    },
    t,
  );
  // A previous event whose time ran out may still have labs on the engine (a running agent removes
  // them within its next round; without one nothing does): they are removed by `stop`, not orphaned.
  const previous = ctx.roster.current();
  const leftover = (previous?.labs ?? []).filter((l) => l.state !== "removed");
  if (previous && eventOver(previous.event, t) && leftover.length > 0) {
    throw new DrydockError(
      ErrorCode.conflict,
      `The previous workshop (code ${previous.event.code}) still has ${leftover.length} lab${leftover.length === 1 ? "" : "s"} on record.`,
      { hint: "Remove them with `drydock workshop stop` first (it also writes that event's results)." },
    );
  }
  await ctx.roster.start(event);
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ event, capacity: plan, notYet: NOT_YET }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    `Workshop started: ${event.seats} seats, event code ${event.code}, until ${when(event.until)} ` +
      `(${minutesText(Date.parse(event.until) - t)}).\n` +
      `Capacity: ${plan.message}${plan.fits ? "" : " Started anyway (--force)."}\n` +
      `Learners open this agent's page (\`drydock start --host <this host's address> --expose-root-shells\`), ` +
      `then join with the code and a display name.\n` +
      `Each learner's lab is started by the running agent when they join (each node capped at ` +
      `${Math.round(labCaps.memoryBytes / 1024 ** 2)} MiB, ${opts["lab-cpus"]} CPU, ${labCaps.pidsLimit} processes)` +
      (event.warm ? `; ${event.warm} kept started ahead for the next joiners` : "") +
      `; ${reapText(event)}.\n` +
      `Roster: \`drydock workshop status\`; end it with \`drydock workshop stop\`.\n` +
      notYetText(),
  );
  return 0;
}

async function status(opts: Options, io: Io, home: string, roster: Roster, now: number): Promise<number> {
  const state = roster.current();
  if (!state) {
    if (opts.json) io.stdout.write(`${JSON.stringify({ event: null }, null, 2)}\n`);
    else io.stdout.write("No workshop on this host. Start one with `drydock workshop start --seats N`.\n");
    return 0;
  }
  const store = new ProgressStore(home);
  let view: RosterView;
  try {
    view = rosterView(state, store, now);
  } finally {
    store.close();
  }
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ ...view, notYet: NOT_YET }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(formatRoster(view, now));
  return 0;
}

async function stop(
  opts: Options,
  io: Io,
  home: string,
  roster: Roster,
  now: number,
  deps: { remover: () => Promise<LabRemover>; sleep: (ms: number) => Promise<void> },
): Promise<number> {
  const before = roster.require();
  // Ended first: the agent starts no lab from now on, and removes any it was still starting.
  const ended = await roster.end();
  const labs = [...new Set([...(ended.labs ?? []).map((l) => l.lab), ...ended.roster.map((r) => r.lab)])];
  const removal = labs.length ? await removeEventLabs(labs, await deps.remover(), deps.sleep) : undefined;
  const state = removal
    ? await roster.updateLabs((s) =>
        (s.labs ?? []).map((l) =>
          l.state === "removed" || removal.left.includes(l.lab)
            ? l
            : {
                lab: l.lab,
                ...(l.learner ? { learner: l.learner } : {}),
                ...(l.subnet ? { subnet: l.subnet } : {}),
                state: "removed" as const,
                attempts: l.attempts,
                since: new Date(now).toISOString(),
                removedBecause: "stopped" as const,
              },
        ),
      )
    : ended;
  const store = new ProgressStore(home);
  let csv: string;
  try {
    csv = resultsCsv(state, store, now);
  } finally {
    store.close();
  }
  const file = join(workshopDir(home), resultsFileName(state));
  writeTextAtomically(file, csv);
  const leftovers = removal?.leftovers ?? { containers: [], networks: [], volumes: [] };
  const leftCount = leftovers.containers.length + leftovers.networks.length + leftovers.volumes.length;
  const result = {
    event: state.event.id,
    endedAt: state.event.endedAt,
    learners: state.roster.length,
    results: file,
    labs: labs.length,
    labsRemoved: removal?.removed ?? { containers: 0, networks: 0, volumes: 0 },
    leftovers,
  };
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const r = result.labsRemoved;
    io.stdout.write(
      `${before.event.endedAt ? "The workshop had already ended" : "Workshop ended"} at ${when(state.event.endedAt ?? "")}: ` +
        `${state.roster.length} learner${state.roster.length === 1 ? "" : "s"} joined.\n` +
        `Everyone's results: ${file}\n` +
        (labs.length === 0
          ? "No lab was started for this event, so none was removed.\n"
          : `Removed the event's ${labs.length} lab${labs.length === 1 ? "" : "s"}: ${r.containers} containers, ` +
            `${r.networks} networks, ${r.volumes} volumes` +
            (leftCount === 0
              ? "; nothing labelled with them is left. Learners' workspaces are kept under " +
                `${join(workshopDir(home), "events", state.event.id)}.\n`
              : ".\n")),
    );
  }
  if (leftCount > 0) {
    throw new DrydockError(
      ErrorCode.labState,
      `Some of the event's lab resources are still there: ${[...leftovers.containers, ...leftovers.networks, ...leftovers.volumes].join(", ")}.`,
      {
        hint: "A running agent may still be finishing a lab it was starting (it removes it once done): run `drydock workshop stop` again in a minute.",
      },
    );
  }
  return 0;
}

/**
 * Removes every lab of the event, in rounds: a running agent may still be creating a lab's
 * containers when the first round runs (it removes them itself once it sees the event ended).
 */
async function removeEventLabs(
  labs: readonly string[],
  remover: LabRemover,
  sleep: (ms: number) => Promise<void>,
): Promise<{
  removed: { containers: number; networks: number; volumes: number };
  leftovers: Awaited<ReturnType<LabRemover["leftovers"]>>;
  left: string[];
}> {
  const removed = { containers: 0, networks: 0, volumes: 0 };
  let leftovers = await remover.leftovers(labs);
  for (let round = 0; round < STOP_ROUNDS; round++) {
    for (const lab of labs) {
      const r = await remover.removeLab(lab);
      removed.containers += r.containers;
      removed.networks += r.networks;
      removed.volumes += r.volumes;
    }
    leftovers = await remover.leftovers(labs);
    if (leftovers.containers.length + leftovers.networks.length + leftovers.volumes.length === 0) break;
    if (round < STOP_ROUNDS - 1) await sleep(STOP_ROUND_MS);
  }
  // A lab is left when any resource of it is: its resources are named drydock-<lab>-… or drydock-<lab>.
  const names = [...leftovers.containers, ...leftovers.networks, ...leftovers.volumes];
  const left = labs.filter((lab) =>
    names.some((n) => n === `drydock-${lab}` || n.startsWith(`drydock-${lab}-`)),
  );
  return { removed, leftovers, left };
}

/** The host engine, found as every command finds it (never installed from here). */
async function engineRemover(home: string): Promise<LabRemover> {
  const { probeEngines, noEngineError } = await import("../engine/find-engine.ts");
  const { removeLabResources, labelledLeftovers } = await import("../workshop/remove-lab.ts");
  const { removeSettings } = await import("../lab/lab-settings.ts");
  const found = await probeEngines();
  if (!found.engine) {
    throw noEngineError(
      found.attempts,
      "The event is ended, but its labs are still on the engine: start Docker, then run `drydock workshop stop` again to remove them.",
    );
  }
  const docker = found.engine.docker;
  return {
    async removeLab(lab) {
      const r = await removeLabResources(docker, lab);
      removeSettings(home, lab);
      return r;
    },
    leftovers: (labs) => labelledLeftovers(docker, labs),
  };
}

function reapText(event: WorkshopEvent): string {
  if (event.supervised && !event.reapSupervised) {
    return "supervised: no learner's lab is reaped before the end (--reap-supervised to reap anyway)";
  }
  return `a learner's lab is removed ${event.reapGraceMinutes} min after they leave`;
}

export function formatRoster(view: RosterView, now: number): string {
  const e = view.event;
  const lines = [
    `Workshop ${e.code}: ${e.taken} of ${e.seats} seats taken; ` +
      (e.endedAt
        ? `ended at ${when(e.endedAt)}.`
        : e.over
          ? `its time ran out at ${when(e.until)} (extend it: POST /api/workshop/extend).`
          : `until ${when(e.until)} (${minutesText(Date.parse(e.until) - now)} left).`),
    `  ${view.counts.active} active, ${view.counts.stuck} stuck (no progress for ${e.stuckAfterMinutes} min), ` +
      `${view.counts.idle} idle (nothing for ${e.idleAfterMinutes} min), ${view.counts.joined} just joined.`,
    `  Labs: ${view.labs.ready} ready, ${view.labs.provisioning} starting, ${view.labs.failed} failed, ` +
      `${view.labs.removed} removed; ${view.labs.warm} warm (started, no learner yet).`,
  ];
  if (view.learners.length) {
    lines.push(
      "",
      "  seat  name                                      state    passed  practice  last active  lab",
    );
    for (const l of view.learners) {
      lines.push(
        `  ${String(l.seat).padStart(4)}  ${l.name.padEnd(40)}  ${l.status.padEnd(7)}  ${String(l.checksPassed).padStart(6)}  ` +
          `${`${l.practiceMinutes} min`.padStart(8)}  ${(l.lastActivityAt ? `${l.idleMinutes} min ago` : "—").padEnd(11)}  ` +
          labText(l.labState),
      );
      if (l.labState?.state === "failed") {
        lines.push(`        ${l.labState.error ?? ""}`);
        if (l.labState.logTail)
          lines.push(
            ...l.labState.logTail
              .split("\n")
              .slice(-8)
              .map((t) => `          | ${t}`),
          );
      }
    }
  }
  return `${lines.join("\n")}\n${e.endedAt ? "" : notYetText()}`;
}

function labText(lab: RosterView["learners"][number]["labState"]): string {
  if (!lab) return "—";
  if (lab.state === "removed")
    return `removed (${lab.removedBecause === "reaped" ? "reaped" : "event over"})`;
  if (lab.state === "provisioning" && lab.attempts > 1) return "provisioning (second try)";
  return lab.state;
}

function notYetText(): string {
  return `\nNot done yet (issue 17):\n${NOT_YET.map((n) => `  - ${n}`).join("\n")}\n`;
}

function when(at: string): string {
  return new Date(at)
    .toISOString()
    .replace("T", " ")
    .replace(/:\d\d\.\d+Z$/, " UTC");
}

function minutesText(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}
