import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import type { QuizVerdict, QuizView } from "../course/quizzes.ts";
import type { ProgressStore } from "../progress/progress-store.ts";
import { grade, QuizAnswers, quizOf, validateAnswers } from "./quiz-keys.ts";

/** Who sent an attempt: the block page (POST /api/quiz/<block>) or a solve script (below). */
export type QuizSource = "page" | "solve";

/** Grades one attempt and stores it in progress.db; a usage error (400) for answers that do not fit. */
export function submitQuiz(
  store: ProgressStore,
  lab: string,
  block: string,
  answers: Record<string, string>,
  source: QuizSource,
): QuizVerdict {
  const quiz = quizOf(block);
  validateAnswers(quiz, answers);
  const verdict = grade(quiz, answers, new Date().toISOString());
  store.saveQuizAttempt(lab, quiz.block, verdict, answers, source);
  return verdict;
}

/** The quiz as the page gets it: questions and options, no keys, and the latest verdict. */
export function quizView(store: ProgressStore, lab: string, block: string): QuizView {
  const quiz = quizOf(block);
  const latest = store.latestQuizAttempt(lab, quiz.block);
  return {
    block: quiz.block,
    title: quiz.title,
    questions: quiz.questions,
    latest: latest
      ? {
          at: latest.at,
          passed: latest.passed,
          correct: latest.correct,
          total: latest.total,
          wrong: latest.wrong,
        }
      : null,
  };
}

/**
 * Where a solve or mistake script (run on laptop, which cannot reach the agent) leaves answers
 * to a quiz: `/workspace/.drydock/quiz-answers/<block>.json`, `{"answers": {...}}` as the API
 * takes them. `drydock solve` submits each such file after the script, as the page would, and
 * removes it.
 */
export const QUIZ_OUTBOX = ".drydock/quiz-answers";

export function submitPendingQuizzes(store: ProgressStore, lab: string, workspace: string): string[] {
  const dir = join(workspace, QUIZ_OUTBOX);
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  const done: string[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    const block = name.replace(/\.json$/, "");
    let body: unknown;
    try {
      body = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      throw new DrydockError(ErrorCode.usage, `${QUIZ_OUTBOX}/${name} is not valid JSON.`);
    }
    const parsed = QuizAnswers.safeParse(body);
    rmSync(file, { force: true });
    if (!parsed.success)
      throw new DrydockError(ErrorCode.usage, `${QUIZ_OUTBOX}/${name}: ${parsed.error.issues[0]?.message}.`);
    submitQuiz(store, lab, block, parsed.data.answers, "solve");
    done.push(block);
  }
  return done;
}
