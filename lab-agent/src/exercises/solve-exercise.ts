import { cpSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { execArgv } from "../checks/engine-reads.ts";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { LogTail, type Progress, step } from "../common/progress.ts";
import type { LabContext } from "../lab/lab-lifecycle.ts";
import { containerName } from "../lab/lab-names.ts";
import { readSettings } from "../lab/lab-settings.ts";
import { formSwarm } from "../lab/lab-swarm.ts";
import { ProgressStore } from "../progress/progress-store.ts";
import { QUIZ_OUTBOX, submitPendingQuizzes } from "../quiz/quiz-attempts.ts";
import type { MistakeSpec } from "./exercise-schema.ts";
import {
  EXERCISES_DIR,
  EXERCISES_LIB,
  exerciseFiles,
  type LoadedExercise,
  listExerciseBlocks,
  loadExercise,
} from "./load-exercises.ts";
import { seedStarterApp } from "./starter-app.ts";

/** Where solve scripts and reference files go in the workspace (seen as /workspace/.drydock on laptop). */
export const SOLVE_DIR = ".drydock";
/** Blocks whose solve needs the swarm formed first (forming it is Drydock's shortcut, not a script). */
const NEEDS_SWARM = new Set(["h15-16", "h17", "h18", "h19"]);

export interface SolveOptions {
  block: string;
  /** A mistake id (the exercise's `mistakes:`): run its script after solving. */
  mistake?: string;
  /** Aborted: stop the script in the lab, as Ctrl-C does (a caller in the same process, e.g. a test's time limit). */
  signal?: AbortSignal;
}

/**
 * Performs a block's deliverables in the lab: copies every exercise's solve script and
 * reference files, and the shared exercises/lib, into the workspace (scripts build on each
 * other's blocks), then runs this block's script on laptop with an argv exec through the host engine.
 */
export async function solveExercise(ctx: LabContext, opts: SolveOptions): Promise<{ exitCode: number }> {
  const exercise = loadExercise(opts.block);
  const mistake = opts.mistake === undefined ? undefined : findMistake(exercise, opts.mistake);
  const settings = readSettings(ctx.home, ctx.lab);
  if (!settings) {
    throw new DrydockError(ErrorCode.notFound, `There is no lab named "${ctx.lab}".`, {
      hint: `Create it with \`drydock lab up --lab ${ctx.lab}\`.`,
    });
  }
  await step(ctx.progress, "starter", "Preparing the workspace", async () => {
    await seedStarterApp(settings.workspace, ctx.home, ctx.progress);
    for (const block of listExerciseBlocks()) {
      const ex = loadExercise(block);
      const target = join(settings.workspace, SOLVE_DIR, block);
      mkdirSync(target, { recursive: true });
      for (const f of exerciseFiles(ex))
        cpSync(join(EXERCISES_DIR, block, f), join(target, f), { recursive: true });
    }
    // Made here, not by a script as root: the agent's user removes the answers it submits.
    mkdirSync(join(settings.workspace, QUIZ_OUTBOX), { recursive: true });
    // The helpers the scripts source, at the same place relative to them as in the repository.
    cpSync(join(EXERCISES_DIR, EXERCISES_LIB), join(settings.workspace, SOLVE_DIR, EXERCISES_LIB), {
      recursive: true,
    });
  });
  if (NEEDS_SWARM.has(opts.block)) await formSwarm(ctx);
  const dir = `/workspace/${SOLVE_DIR}/${opts.block}`;
  await runScript(
    ctx,
    "solve",
    `Solving ${opts.block}`,
    [`The solve script for ${opts.block}`, `${dir}/${exercise.solve}`],
    opts.signal,
  );
  submitQuizzes(ctx, settings.workspace);
  if (mistake) {
    await runScript(
      ctx,
      "mistake",
      `Making the mistake ${mistake.id}: ${mistake.what}`,
      [`The script of the mistake ${mistake.id} (${mistake.script})`, `${dir}/${mistake.script}`],
      opts.signal,
    );
    submitQuizzes(ctx, settings.workspace);
  }
  return { exitCode: 0 };
}

/** Quiz answers a script left in the workspace (quiz-attempts.ts QUIZ_OUTBOX), graded and stored as the page's would be. */
function submitQuizzes(ctx: LabContext, workspace: string): void {
  const store = new ProgressStore(ctx.home);
  try {
    for (const block of submitPendingQuizzes(store, ctx.lab, workspace))
      ctx.progress({ kind: "info", message: `Submitted the ${block} quiz's answers, as the page would.` });
  } finally {
    store.close();
  }
}

/** A mistake by its id; a deliverable id (the old `--mistake`) names the mistakes that fail it. */
function findMistake(exercise: LoadedExercise, id: string): MistakeSpec {
  const found = exercise.mistakes.find((m) => m.id === id);
  if (found) return found;
  const forDeliverable = exercise.mistakes.filter((m) => m.deliverable === id);
  throw new DrydockError(ErrorCode.usage, `Block ${exercise.block} has no mistake "${id}".`, {
    hint:
      forDeliverable.length > 0
        ? `Mistakes that make ${id} fail: ${forDeliverable.map((m) => m.id).join(", ")}.`
        : `Its mistakes: ${exercise.mistakes.map((m) => m.id).join(", ")}.`,
  });
}

/** Runs a script on laptop (cwd /workspace), streaming its output as progress; a non-zero exit throws. */
async function runScript(
  ctx: LabContext,
  id: string,
  title: string,
  [what, script]: [string, string],
  signal?: AbortSignal,
): Promise<void> {
  const laptop = containerName(ctx.lab, "laptop");
  // Ctrl-C (or a supervisor's SIGTERM) must not leave the script running in the lab, still
  // changing it after `drydock` has exited: the scripts' processes on laptop are stopped too.
  // Asked again every 2 s until the exec ends: the signal may come before the script has started.
  let interrupted: string | undefined;
  let stopping: NodeJS.Timeout | undefined;
  const onSignal = (why: string) => {
    if (interrupted) return;
    interrupted = why;
    ctx.progress({ kind: "info", message: `${why}: stopping ${what.toLowerCase()} in the lab…` });
    void stopScriptsOnLaptop(ctx.docker, laptop);
    stopping = setInterval(() => void stopScriptsOnLaptop(ctx.docker, laptop), 2000);
  };
  const onAbort = () => onSignal(String(signal?.reason ?? "aborted"));
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (signal?.aborted) onAbort();
  signal?.addEventListener("abort", onAbort);
  let result: { exitCode: number; tail: string };
  try {
    result = await step(ctx.progress, id, title, () =>
      execOnLaptop(ctx.docker, laptop, ["bash", script], id, ctx.progress),
    );
  } finally {
    if (stopping) clearInterval(stopping);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    signal?.removeEventListener("abort", onAbort);
  }
  if (interrupted) {
    throw new DrydockError(
      ErrorCode.labState,
      `${what} was interrupted (${interrupted}) and stopped in the lab.`,
      {
        details: result.tail,
        hint: "The lab may be half-way through it: run the same `drydock solve` again to finish it.",
      },
    );
  }
  if (result.exitCode !== 0) {
    throw new DrydockError(ErrorCode.labState, `${what} failed (exit ${result.exitCode}).`, {
      details: result.tail,
      hint: "Read the output above; `drydock lab status` shows whether every node is up.",
    });
  }
}

/** Every process of a solve or mistake script on laptop (all run from the workspace's SOLVE_DIR). */
async function stopScriptsOnLaptop(docker: Docker, laptop: string): Promise<void> {
  // Read to its end (execArgv): a detached start's open response would keep `drydock` from exiting.
  // A lab that is gone or a stopped laptop runs nothing of the script any more.
  await execArgv(docker.getContainer(laptop), ["pkill", "-TERM", "-f", `/workspace/${SOLVE_DIR}/`]).catch(
    () => {},
  );
}

async function execOnLaptop(
  docker: Docker,
  laptop: string,
  argv: string[],
  id: string,
  progress: Progress,
): Promise<{ exitCode: number; tail: string }> {
  const exec = await docker.getContainer(laptop).exec({
    Cmd: argv,
    WorkingDir: "/workspace",
    AttachStdout: true,
    AttachStderr: true,
    Tty: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
  const tail = new LogTail(40);
  let partial = "";
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (chunk: Buffer) => {
      const text = partial + chunk.toString("utf8");
      const lines = text.split(/\r?\n/);
      partial = lines.pop() ?? "";
      for (const line of lines) {
        tail.push(line);
        progress({ kind: "log", id, line });
      }
    });
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  if (partial) tail.push(partial);
  const { ExitCode } = await exec.inspect();
  return { exitCode: ExitCode ?? 1, tail: tail.toString() };
}
