import { parseArgs } from "node:util";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { DEFAULT_LAB, LabId } from "../lab/lab-names.ts";
import { ByteSize } from "../lab/lab-settings.ts";

export const USAGE = `drydock — a hands-on container lab, from a laptop engine to a 3-node Swarm

Usage:
  drydock start [--lab ID] [--port N] [--host ADDR --expose-root-shells] [--no-open] [--grace SECONDS]
                                                  engine, images and lab, then the course site,
                                                  its API and browser terminals (Ctrl-C stops)
  drydock start --no-lab [--port N]               the course site and its mentor page only: no engine,
                                                  no lab (to review a learner's scorecard)
  drydock engine [--yes]                          find a Docker Engine, or install and start one
  drydock images [--force] [--offline]            build the lab images (skipped when up to date)
  drydock lab up     [--lab ID] [--workspace DIR] [--memory SIZE] [--pids N] [--cpus N] [--registry-port N]
  drydock lab status [--lab ID] [--json]
  drydock lab swarm  [--lab ID] [--json]          form the swarm (the Hour 15 shortcut)
  drydock lab reset  [--lab ID]                   fresh engines; the workspace is kept
  drydock lab down   [--lab ID]                   remove the lab's containers, network and volumes
  drydock shell NODE [--lab ID]                   a shell on laptop, manager-1, worker-1 or worker-2
  drydock check BLOCK [--lab ID] [--json] [--all] [--only ID,ID]
                                                  check a block's deliverables in the lab (e.g. h03-04)
  drydock solve BLOCK [--lab ID] [--mistake ID]   perform a block's deliverables (then one realistic mistake)
  drydock drill NAME start|status|stop [--lab ID] [--json] [--signal S] [--node N]
                                                  a failure drill on the hours 15-16 stack: fault, timeline,
                                                  prober, verification; stop restores (container-crash,
                                                  bad-image-rollout, node-drain, resource-pressure,
                                                  secret-rotation, registry-outage)
  drydock progress [--lab ID] [--json]           results, practice time and rubric level per block
  drydock scorecard export|verify|endorse|import-review …
                                                  a signed Open Badges 3.0 scorecard and a mentor's review (drydock scorecard --help)
  drydock workshop start --seats N [--code CODE] [--until TIME] [--warm K]
                                                  one host, many learners: check capacity, open an event to
                                                  join by code (drydock workshop --help for every option)
  drydock workshop status [--json]                the event's time left and everyone's state
  drydock workshop stop                           end the event; everyone's results as CSV

Options:
  --lab ID            which lab (default "default"; lowercase letters, digits, dashes)
  --workspace DIR     host folder mounted at /workspace on laptop (remembered per lab)
  --memory SIZE       memory cap per engine node, e.g. 2g (default 2g)
  --pids N            process cap per engine node (default 4096)
  --cpus N            CPU cap per engine node, e.g. 1 or 0.5 (default: none)
  --registry-port N   publish the lab registry on 127.0.0.1:N (default: a free port)
  --port N            the agent's port (default 4600; 0 picks a free one)
  --host ADDR         the address the agent listens on (default 127.0.0.1; any other address
                      also needs --expose-root-shells)
  --expose-root-shells  confirm that --host makes the lab's root shells reachable from the network
  --no-open           do not open a browser
  --no-lab            start: serve the site and the scorecard pages without an engine or lab
  --grace SECONDS     how long a terminal with no page attached keeps running (default 300)
  --yes, -y           install and start Docker without asking when none answers
  --offline           never try a public registry; build everything from Debian packages
  --json              machine-readable output
  --all               check: run every check, even those whose prerequisites have not passed
  --only ID,ID        check: only these deliverables (and those they need)
  --signal S          drill container-crash: the signal (KILL, TERM, INT, QUIT, ABRT, SEGV; default KILL)
  --node N            drill node-drain: the worker (default worker-1)
  --mistake ID        solve: then make this mistake (the exercise's mistakes:, e.g. user-root)
  --verbose, -v       show every line of build output
  --version           print Drydock's version
`;

const Flags = z
  .object({
    lab: LabId.default(DEFAULT_LAB),
    workspace: z.string().min(1).optional(),
    memory: ByteSize.pipe(z.number().min(256 * 1024 ** 2, "at least 256m")).optional(),
    pids: z.coerce.number().int().min(256, "at least 256").optional(),
    cpus: z.coerce.number().min(0.1, "at least 0.1").max(1024, "at most 1024").optional(),
    "registry-port": z.coerce.number().int().min(0).max(65535).optional(),
    yes: z.boolean().default(false),
    offline: z.boolean().default(false),
    force: z.boolean().default(false),
    json: z.boolean().default(false),
    all: z.boolean().default(false),
    verbose: z.boolean().default(false),
    help: z.boolean().default(false),
    version: z.boolean().default(false),
    "no-open": z.boolean().default(false),
    "no-lab": z.boolean().default(false),
    "expose-root-shells": z.boolean().default(false),
    signal: z.enum(["KILL", "TERM", "INT", "QUIT", "ABRT", "SEGV"]).optional(),
    node: z.enum(["worker-1", "worker-2"]).optional(),
    mistake: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}$/, "a mistake id, e.g. user-root")
      .optional(),
    only: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,63}(,[a-z][a-z0-9-]{0,63})*$/, "deliverable ids separated by commas")
      .transform((s) => s.split(","))
      .optional(),
    host: z.string().min(1).max(255).default("127.0.0.1"),
    port: z.coerce.number().int().min(0).max(65535).default(4600),
    grace: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(300),
  })
  .strict();
export type Flags = z.infer<typeof Flags>;

export interface ParsedCommand {
  words: string[];
  flags: Flags;
}

/** Parses argv; unknown options and bad values are usage errors that name the option. */
export function parseCommand(argv: string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        lab: { type: "string" },
        workspace: { type: "string" },
        memory: { type: "string" },
        pids: { type: "string" },
        cpus: { type: "string" },
        "registry-port": { type: "string" },
        yes: { type: "boolean", short: "y" },
        offline: { type: "boolean" },
        force: { type: "boolean" },
        json: { type: "boolean" },
        all: { type: "boolean" },
        verbose: { type: "boolean", short: "v" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        "no-open": { type: "boolean" },
        "no-lab": { type: "boolean" },
        "expose-root-shells": { type: "boolean" },
        mistake: { type: "string" },
        signal: { type: "string" },
        node: { type: "string" },
        only: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        grace: { type: "string" },
      },
    });
  } catch (err) {
    throw usageError((err as Error).message.replace(/\. To specify.*$/s, "."));
  }
  const flags = Flags.safeParse(parsed.values);
  if (!flags.success) {
    const issue = flags.error.issues[0];
    const option = issue?.path[0] ? `--${String(issue.path[0])}` : "options";
    throw usageError(`${option}: ${issue?.message}`);
  }
  return { words: parsed.positionals, flags: flags.data };
}

export function usageError(message: string): DrydockError {
  return new DrydockError(ErrorCode.usage, message, {
    hint: "Run `drydock --help` for the commands and options.",
  });
}

/**
 * A subcommand's argv: its options read by parseArgs, their values by its zod schema. Unknown
 * options and bad values are usage errors that name the option and show the subcommand's usage.
 */
export function parseSubcommand<T extends z.ZodTypeAny>(
  argv: string[],
  options: NonNullable<Parameters<typeof parseArgs>[0]>["options"],
  schema: T,
  usageText: string,
): { words: string[]; opts: z.infer<T> } {
  const usage = (message: string) =>
    new DrydockError(ErrorCode.usage, message, { hint: `Usage:\n${usageText}` });
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify.*$/s, "."));
  }
  const opts = schema.safeParse(parsed.values);
  if (!opts.success) {
    const issue = opts.error.issues[0];
    throw usage(`--${String(issue?.path[0] ?? "options")}: ${issue?.message}`);
  }
  return { words: parsed.positionals, opts: opts.data };
}
