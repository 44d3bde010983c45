import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { drydockHome } from "../common/paths.ts";
import { ByteSize } from "../lab/lab-settings.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { type HostFigures, LAB_FIGURES, planCapacity, readHostFigures } from "../workshop/capacity.ts";
import { EventCode } from "../workshop/event-schema.ts";
import { resultsCsv, resultsFileName } from "../workshop/results-csv.ts";
import { newEvent, Roster, workshopDir, writeTextAtomically } from "../workshop/roster.ts";
import { type RosterView, rosterView } from "../workshop/roster-view.ts";
import { parseSubcommand } from "./cli-options.ts";

/**
 * `drydock workshop start|status|stop`: the event and its roster in DRYDOCK_HOME/workshop/ (the
 * running agent reads them there and serves the join and roster routes). Parses its own options;
 * needs no engine.
 */
export const WORKSHOP_USAGE = `  drydock workshop start --seats N [--code CODE] [--until TIME] [--warm K] [--supervised]
                         [--reap-grace MIN] [--stuck-after MIN] [--idle-after MIN]
                         [--lab-memory SIZE] [--lab-disk SIZE] [--lab-pids N] [--data-root DIR] [--force] [--json]
                                                  check this host's capacity, then open an event learners join
                                                  with its code (TIME: 17:30, 90m, 2h or an ISO date-time)
  drydock workshop status [--json]                the event, its time left, and everyone's state
  drydock workshop stop [--json]                  end the event and write everyone's results as CSV
`;

/** Said by `start` and `status` until the lab side of workshop mode exists (issue 17). */
export const NOT_YET = [
  "learners' own labs are not provisioned yet: a learner who joins gets a seat, a lab id and a login, but no lab, terminal or workspace of their own",
  "--warm is recorded, but no lab is pre-started",
  "nothing is reaped: not a learner's lab after the grace period, not every lab at the end",
  "there is no dashboard page yet: GET /api/workshop/roster (and `drydock workshop status`) has the data",
];

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
    "reap-grace": Minutes.optional(),
    "stuck-after": Minutes.optional(),
    "idle-after": Minutes.optional(),
    "lab-memory": ByteSize.pipe(z.number().min(64 * 1024 ** 2, "at least 64m")).optional(),
    "lab-disk": ByteSize.pipe(z.number().min(64 * 1024 ** 2, "at least 64m")).optional(),
    "lab-pids": z.coerce.number().int().min(16).optional(),
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
      "reap-grace": { type: "string" },
      "stuck-after": { type: "string" },
      "idle-after": { type: "string" },
      "lab-memory": { type: "string" },
      "lab-disk": { type: "string" },
      "lab-pids": { type: "string" },
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
  deps: { home?: string; now?: () => number; host?: () => HostFigures } = {},
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
      return stop(opts, io, home, roster, now());
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
  const event = newEvent(
    {
      seats: opts.seats,
      warm: opts.warm,
      supervised: opts.supervised,
      ...(opts.code ? { code: opts.code } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(opts["reap-grace"] ? { reapGraceMinutes: opts["reap-grace"] } : {}),
      ...(opts["stuck-after"] ? { stuckAfterMinutes: opts["stuck-after"] } : {}),
      ...(opts["idle-after"] ? { idleAfterMinutes: opts["idle-after"] } : {}),
    },
    t,
  );
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

async function stop(opts: Options, io: Io, home: string, roster: Roster, now: number): Promise<number> {
  const before = roster.require();
  const state = await roster.end();
  const store = new ProgressStore(home);
  let csv: string;
  try {
    csv = resultsCsv(state, store, now);
  } finally {
    store.close();
  }
  const file = join(workshopDir(home), resultsFileName(state));
  writeTextAtomically(file, csv);
  const result = {
    event: state.event.id,
    endedAt: state.event.endedAt,
    learners: state.roster.length,
    results: file,
    labsRemoved: 0,
  };
  if (opts.json) {
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(
    `${before.event.endedAt ? "The workshop had already ended" : "Workshop ended"} at ${when(state.event.endedAt ?? "")}: ` +
      `${state.roster.length} learner${state.roster.length === 1 ? "" : "s"} joined.\n` +
      `Everyone's results: ${file}\n` +
      "No learner lab was removed: none is provisioned yet (the lab side of workshop mode is not built).\n",
  );
  return 0;
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
  ];
  if (view.learners.length) {
    lines.push(
      "",
      "  seat  name                                      state    passed  practice  last active",
    );
    for (const l of view.learners) {
      lines.push(
        `  ${String(l.seat).padStart(4)}  ${l.name.padEnd(40)}  ${l.status.padEnd(7)}  ${String(l.checksPassed).padStart(6)}  ` +
          `${`${l.practiceMinutes} min`.padStart(8)}  ${l.lastActivityAt ? `${l.idleMinutes} min ago` : "—"}`,
      );
    }
  }
  return `${lines.join("\n")}\n${e.endedAt ? "" : notYetText()}`;
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
