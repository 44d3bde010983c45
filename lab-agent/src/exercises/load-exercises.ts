import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { repoRoot } from "../common/paths.ts";
import { BLOCK_IDS, type BlockId, Exercise } from "./exercise-schema.ts";

export const EXERCISES_DIR = join(repoRoot, "exercises");
/**
 * The folder of exercises/ that is no block: shell helpers the blocks' scripts source
 * (`source "$(dirname "$0")/../../lib/mistakes.sh"`). Solve copies it beside the blocks' folders.
 */
export const EXERCISES_LIB = "lib";

export interface LoadedExercise extends Exercise {
  dir: string;
}

/** Reads and validates exercises/<block>/exercise.yaml; a bad file names its path and the reason. */
export function loadExercise(block: string, dir = EXERCISES_DIR): LoadedExercise {
  if (!(BLOCK_IDS as readonly string[]).includes(block)) {
    throw new DrydockError(ErrorCode.usage, `"${block}" is not a block of the course.`, {
      hint: `Blocks: ${BLOCK_IDS.join(", ")}.`,
    });
  }
  const folder = join(dir, block);
  const file = join(folder, "exercise.yaml");
  if (!existsSync(file)) {
    throw new DrydockError(ErrorCode.notFound, `Block ${block} has no lab exercise yet (${file}).`, {
      hint: `Blocks with exercises: ${listExerciseBlocks(dir).join(", ") || "none"}.`,
    });
  }
  const ex = parseExerciseFile(file);
  if (ex.block !== block) throw badExercise(file, "block", `says ${ex.block}, but the folder is ${block}`);
  for (const f of [ex.solve, ...ex.files]) {
    if (!existsSync(join(folder, f)))
      throw badExercise(file, f === ex.solve ? "solve" : "files", `${f} does not exist in ${folder}`);
  }
  ex.mistakes.forEach((m, i) => {
    if (!existsSync(join(folder, m.script)))
      throw badExercise(file, `mistakes.${i}.script`, `${m.script} does not exist in ${folder}`);
  });
  return { ...ex, dir: folder };
}

/**
 * Parsed and validated exercise files by path, kept while the file's mtime and size stay the same:
 * the agent loads a block's exercise on every check request and every block's when it starts
 * watching a lab: parsing one took ~50 ms of the event loop on our busy 2-core host, a hit ~1 ms.
 */
const parsedFiles = new Map<string, { mtimeMs: number; size: number; exercise: Exercise }>();

function parseExerciseFile(file: string): Exercise {
  const { mtimeMs, size } = statSync(file);
  const cached = parsedFiles.get(file);
  if (cached && cached.mtimeMs === mtimeMs && cached.size === size) return cached.exercise;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"), { prettyErrors: true });
  } catch (err) {
    throw badExercise(file, "(YAML)", (err as Error).message.split("\n")[0] ?? "not YAML");
  }
  const parsed = Exercise.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badExercise(file, issue?.path.join(".") || "(root)", issue?.message ?? "invalid");
  }
  parsedFiles.set(file, { mtimeMs, size, exercise: parsed.data });
  return parsed.data;
}

/** The files solve copies into the workspace: the solve script, `files`, and every mistake's script. */
export function exerciseFiles(ex: Exercise): string[] {
  return [...new Set([ex.solve, ...ex.files, ...ex.mistakes.map((m) => m.script)])];
}

export function listExerciseBlocks(dir = EXERCISES_DIR): BlockId[] {
  if (!existsSync(dir)) return [];
  const names = new Set(readdirSync(dir));
  return BLOCK_IDS.filter((b) => names.has(b) && existsSync(join(dir, b, "exercise.yaml")));
}

export function loadAllExercises(dir = EXERCISES_DIR): LoadedExercise[] {
  return listExerciseBlocks(dir).map((b) => loadExercise(b, dir));
}

function badExercise(file: string, path: string, reason: string): DrydockError {
  return new DrydockError(
    ErrorCode.badExercise,
    `The exercise file ${file} is invalid at ${path}: ${reason}.`,
    {
      hint: "Fix the file (its schema is lab-agent/src/exercises/exercise-schema.ts) and run the command again.",
    },
  );
}
