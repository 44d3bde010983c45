import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DrydockError, ErrorCode, toDrydockError } from "../common/errors.ts";
import { drydockHome, repoRoot } from "../common/paths.ts";
import type { Progress } from "../common/progress.ts";
import type { EnsureEngineOptions } from "../engine/ensure-engine.ts";
import type { HostEngine } from "../engine/find-engine.ts";
import type { LabContext, UpOptions } from "../lab/lab-lifecycle.ts";
import { containerName, ENGINE_ROLES } from "../lab/lab-names.ts";
import { type Flags, parseCommand, USAGE, usageError } from "./cli-options.ts";
import { consoleProgress, formatError, formatStatus, formatSwarm } from "./render.ts";

// Each command imports what it needs when it runs (`drydock --help` loads none of Docker's
// client, the agent or the checks): the compiled CLI keeps each in a chunk of its own.
async function ensureEngine(opts: EnsureEngineOptions): Promise<HostEngine> {
  return (await import("../engine/ensure-engine.ts")).ensureEngine(opts);
}
const lifecycle = () => import("../lab/lab-lifecycle.ts");

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The `drydock` command. Returns the process exit code; never throws. */
export async function main(argv: string[], io: Io = process): Promise<number> {
  let json = argv.includes("--json");
  try {
    // progress and scorecard (score-commands.ts), and workshop (workshop-commands.ts), parse their own options.
    if (argv[0] === "progress" || argv[0] === "scorecard")
      return await (await import("./score-commands.ts")).scoreCommand(argv, io);
    if (argv[0] === "workshop")
      return await (await import("./workshop-commands.ts")).workshopCommand(argv.slice(1), io);
    const { words, flags } = parseCommand(argv);
    json = flags.json;
    if (flags.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    if (flags.help || words.length === 0 || words[0] === "help") {
      io.stdout.write(USAGE);
      return 0;
    }
    const code = await run(words, flags, io);
    return typeof code === "number" ? code : 0;
  } catch (err) {
    const error = toDrydockError(err);
    if (json) io.stdout.write(`${JSON.stringify({ error: error.toJSON() }, null, 2)}\n`);
    else io.stderr.write(formatError(error));
    if (error.code === ErrorCode.internal && process.env.DRYDOCK_DEBUG)
      io.stderr.write(`${(err as Error).stack}\n`);
    return error.exitCode;
  }
}

// biome-ignore lint/suspicious/noConfusingVoidType: most commands return nothing; `check` returns its exit code.
async function run(words: string[], flags: Flags, io: Io): Promise<number | void> {
  const progress = consoleProgress(flags.verbose, io.stderr);
  const [command, sub, ...rest] = words;
  switch (command) {
    case "engine": {
      noExtraWords(words, 1);
      const engine = await ensureEngine({ yes: flags.yes, progress });
      io.stdout.write(`Docker Engine ${engine.version} answers at ${engine.description}.\n`);
      return;
    }
    case "images": {
      noExtraWords(words, 1);
      const engine = await ensureEngine({ yes: flags.yes, progress });
      const { ensureImages } = await import("../images/ensure-images.ts");
      const images = await ensureImages(engine.docker, {
        progress,
        offline: flags.offline,
        force: flags.force,
      });
      for (const image of Object.values(images))
        io.stdout.write(`${image.ref}  ${image.hash.slice(0, 12)}\n`);
      return;
    }
    case "start": {
      noExtraWords(words, 1);
      const { startDrydock } = await import("../server/start-agent.ts");
      return startDrydock(
        {
          lab: flags.lab,
          host: flags.host,
          exposeRootShells: flags["expose-root-shells"],
          port: flags.port,
          open: !flags["no-open"],
          noLab: flags["no-lab"],
          yes: flags.yes,
          verbose: flags.verbose,
          graceSeconds: flags.grace,
          up: upOptions(flags),
          version: version(),
        },
        { stdout: io.stdout, stderr: io.stderr, progress, formatStatus },
      );
    }
    case "lab":
      if (rest.length > 0) throw usageError(`Unexpected argument "${rest[0]}".`);
      return runLab(sub, flags, progress, io);
    case "shell":
      return openShell(sub, rest, flags);
    case "check":
    case "solve": {
      noExtraWords(words, 2);
      const ctx = await labContext(flags, progress, false);
      const { checkCommand, solveCommand } = await import("./check-commands.ts");
      if (command === "check")
        return checkCommand(ctx, sub, { json: flags.json, all: flags.all, only: flags.only }, io);
      return solveCommand(ctx, sub, flags.mistake, io);
    }
    case "drill": {
      const [action, ...extra] = rest;
      if (extra.length > 0) throw usageError(`Unexpected argument "${extra[0]}".`);
      const ctx = await labContext(flags, progress, false);
      const { drillCommand } = await import("./drill-commands.ts");
      return drillCommand(ctx, sub, action, { json: flags.json, signal: flags.signal, node: flags.node }, io);
    }
    default:
      throw usageError(`Unknown command "${command}".`);
  }
}

async function runLab(sub: string | undefined, flags: Flags, progress: Progress, io: Io): Promise<void> {
  const print = (value: unknown, text: string) =>
    io.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : text);
  switch (sub) {
    case "up": {
      const { labUp } = await lifecycle();
      const status = await labUp(await labContext(flags, progress, true), upOptions(flags));
      print(status, formatStatus(status) + shellHint(flags.lab));
      return;
    }
    case "reset": {
      const { labReset } = await lifecycle();
      const status = await labReset(await labContext(flags, progress, true), upOptions(flags));
      print(status, formatStatus(status));
      return;
    }
    case "down": {
      const { labDown } = await lifecycle();
      const result = await labDown(await labContext(flags, progress, false));
      const { containers, networks, volumes } = result.removed;
      print(
        result,
        `Removed lab "${flags.lab}": ${containers} containers, ${networks} network(s), ${volumes} volumes.${
          result.workspace ? `\nThe workspace ${result.workspace} is kept.` : ""
        }\n`,
      );
      return;
    }
    case "status": {
      const ctx = await labContext(flags, progress, false);
      const [{ requireLab }, { labStatus }] = await Promise.all([
        lifecycle(),
        import("../lab/lab-status.ts"),
      ]);
      await requireLab(ctx);
      const status = await labStatus(ctx.docker, ctx.lab, ctx.home);
      print(status, formatStatus(status));
      return;
    }
    case "swarm": {
      const { formSwarm } = await import("../lab/lab-swarm.ts");
      const nodes = await formSwarm(await labContext(flags, progress, false));
      print({ nodes }, formatSwarm(nodes));
      return;
    }
    case undefined:
      throw usageError("`drydock lab` needs a subcommand: up, status, swarm, reset or down.");
    default:
      throw usageError(`Unknown lab subcommand "${sub}" (expected up, status, swarm, reset or down).`);
  }
}

/** Commands that build or create may start an engine; the others only look for one. */
async function labContext(flags: Flags, progress: Progress, mayStartEngine: boolean): Promise<LabContext> {
  let engine: HostEngine;
  if (mayStartEngine) {
    engine = await ensureEngine({ yes: flags.yes, progress });
  } else {
    const { noEngineError, probeEngines } = await import("../engine/find-engine.ts");
    const probe = await probeEngines();
    if (!probe.engine) throw noEngineError(probe.attempts);
    engine = probe.engine;
  }
  return { docker: engine.docker, lab: flags.lab, home: drydockHome(), progress };
}

function upOptions(flags: Flags): UpOptions {
  return {
    offline: flags.offline,
    ...(flags.workspace ? { workspace: flags.workspace } : {}),
    ...(flags.memory ? { memoryBytes: flags.memory } : {}),
    ...(flags.pids ? { pidsLimit: flags.pids } : {}),
    ...(flags.cpus ? { nanoCpus: Math.round(flags.cpus * 1e9) } : {}),
    ...(flags["registry-port"] !== undefined ? { registryPort: flags["registry-port"] } : {}),
  };
}

async function openShell(node: string | undefined, rest: string[], flags: Flags): Promise<void> {
  if (!node || !(ENGINE_ROLES as readonly string[]).includes(node)) {
    throw usageError(`\`drydock shell\` needs a node: ${ENGINE_ROLES.join(", ")}.`);
  }
  if (rest.length > 0) throw usageError(`Unexpected argument "${rest[0]}".`);
  const ctx = await labContext(flags, () => {}, false);
  const { requireLab } = await lifecycle();
  const found = await requireLab(ctx);
  if (found.containers.get(node as (typeof ENGINE_ROLES)[number])?.State !== "running") {
    throw new DrydockError(ErrorCode.nodeEngine, `${node} is not running.`, {
      hint: "Run `drydock lab up` first.",
    });
  }
  const args = ["exec", "-it", containerName(ctx.lab, node as (typeof ENGINE_ROLES)[number]), "bash", "-l"];
  await new Promise<void>((resolve, reject) => {
    const child = spawn("docker", args, { stdio: "inherit" });
    child.on("error", (err) =>
      reject(
        new DrydockError(ErrorCode.noEngine, `Could not run the docker client: ${err.message}`, {
          hint: "Install the docker CLI.",
        }),
      ),
    );
    child.on("close", () => resolve());
  });
}

function shellHint(lab: string): string {
  const flag = lab === "default" ? "" : ` --lab ${lab}`;
  return `\nOpen a shell on the laptop with \`npx drydock shell laptop${flag}\`; form the swarm with \`npx drydock lab swarm${flag}\`.\n`;
}

function noExtraWords(words: string[], allowed: number): void {
  if (words.length > allowed) throw usageError(`Unexpected argument "${words[allowed]}".`);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  return `drydock ${pkg.version}`;
}
