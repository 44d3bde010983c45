import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import type { BlockId } from "../course/course-outline.ts";
import { QUIZZES, type Quiz, type QuizVerdict } from "../course/quizzes.ts";

/**
 * The right option of each quiz question. Agent-side only: nothing under course/ or the site
 * imports this file, and no answer of the API or of the check names a right option.
 */
const KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "h01-02": {
    "image-vs-container": "b",
    "service-vs-task": "c",
    "task-replaced": "a",
    "digest-identity": "d",
    "volume-outlives-container": "b",
    "where-the-fix-goes": "d",
    "runtime-state": "b",
    "compose-vs-stack": "a",
  },
};

/** POST /api/quiz/<block>: one option per question, by id (every question of the quiz). */
export const QuizAnswers = z
  .object({
    answers: z.record(
      z.string().regex(/^[a-z0-9-]{1,64}$/, "a question id"),
      z.string().regex(/^[a-f]$/, "an option id (a single letter a-f)"),
    ),
  })
  .strict();
export type QuizAnswers = z.infer<typeof QuizAnswers>;

export function quizOf(block: string): Quiz {
  const quiz = QUIZZES.get(block as BlockId);
  if (!quiz) {
    throw new DrydockError(ErrorCode.notFound, `Block ${block} has no quiz.`, {
      hint: `Quizzes: ${[...QUIZZES.keys()].join(", ")}.`,
    });
  }
  return quiz;
}

/**
 * The answers must fit the quiz: every question answered, no unknown question, each option one
 * of that question's. Otherwise a usage error (HTTP 400) naming the first few problems.
 */
export function validateAnswers(quiz: Quiz, answers: Record<string, string>): void {
  const problems: string[] = [];
  const byId = new Map(quiz.questions.map((q) => [q.id, q]));
  for (const [id, option] of Object.entries(answers)) {
    const q = byId.get(id);
    if (!q) problems.push(`there is no question "${id}"`);
    else if (!q.options.some((o) => o.id === option))
      problems.push(`"${option}" is not an option of ${id} (${q.options.map((o) => o.id).join(", ")})`);
  }
  const missing = quiz.questions.filter((q) => !(q.id in answers)).map((q) => q.id);
  if (missing.length > 0) problems.push(`not answered: ${missing.join(", ")}`);
  if (problems.length > 0) {
    throw new DrydockError(
      ErrorCode.usage,
      `Those answers do not fit the quiz: ${problems.slice(0, 5).join("; ")}.`,
      {
        hint: 'Answer every question with one of its options, e.g. {"answers": {"image-vs-container": "a", …}}.',
      },
    );
  }
}

/** Grades answers against the key: passed when every question is right. */
export function grade(quiz: Quiz, answers: Record<string, string>, at: string): QuizVerdict {
  const key = KEYS[quiz.block] ?? {};
  const wrong = quiz.questions
    .filter((q) => key[q.id] === undefined || answers[q.id] !== key[q.id])
    .map((q) => q.id);
  const total = quiz.questions.length;
  return { at, passed: wrong.length === 0, correct: total - wrong.length, total, wrong };
}

/** For tests and the solve: the right answers (never served). */
export function answerKey(block: string): Record<string, string> {
  return { ...(KEYS[block] ?? {}) };
}
