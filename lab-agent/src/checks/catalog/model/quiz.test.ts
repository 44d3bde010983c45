import { describe, expect, it } from "vitest";
import { QUIZZES } from "../../../course/quizzes.ts";
import type { QuizAttempt } from "../../../progress/progress-store.ts";
import { answerKey, grade } from "../../../quiz/quiz-keys.ts";
import { evaluateQuiz } from "./quiz.ts";

const P = { block: "h01-02" };
const quiz = QUIZZES.get("h01-02");
if (!quiz) throw new Error("no h01-02 quiz");
const QUESTIONS = quiz.questions.map((q) => q.id);
const KEY = answerKey("h01-02");
/** The first option that is not the key's. */
const wrongOf = (id: string) => (KEY[id] === "a" ? "b" : "a");

function attempt(answers: Record<string, string>, source = "page"): QuizAttempt {
  return { ...grade(quiz as never, answers, "2026-12-02T12:00:00.000Z"), source, answers };
}
const withWrong = (...ids: string[]) =>
  attempt(Object.fromEntries(QUESTIONS.map((q) => [q, ids.includes(q) ? wrongOf(q) : (KEY[q] as string)])));

/** [what it models, questions now, latest attempt, status, summary, evidence]. */
const VARIANTS: Array<
  [string, string[], QuizAttempt | undefined | null, "pass" | "fail" | "error", RegExp, RegExp?]
> = [
  // right
  ["every answer right, from the page", QUESTIONS, attempt(KEY), "pass", /answered all right \(8 of 8\)/],
  ["every answer right, sent by the solve", QUESTIONS, attempt(KEY, "solve"), "pass", /all right/],
  [
    "wrong first, then a retake all right (only the latest counts)",
    QUESTIONS,
    attempt(KEY),
    "pass",
    /8 of 8/,
  ],
  [
    "a question dropped from the quiz since: the remaining ones all right",
    QUESTIONS.slice(1),
    withWrong(QUESTIONS[0] as string),
    "pass",
    /7 of 7/,
  ],
  // wrong
  ["never taken", QUESTIONS, undefined, "fail", /not taken yet/, /not taken yet/],
  [
    "one confusion: a task taken for the service",
    QUESTIONS,
    withWrong("service-vs-task"),
    "fail",
    /1 of 8 answered wrong: service-vs-task\.$/,
  ],
  [
    "image and container swapped, tag trusted as identity",
    QUESTIONS,
    withWrong("image-vs-container", "digest-identity"),
    "fail",
    /2 of 8 answered wrong: image-vs-container, digest-identity/,
  ],
  [
    'every answer "a" (clicked through)',
    QUESTIONS,
    attempt(Object.fromEntries(QUESTIONS.map((q) => [q, "a"]))),
    "fail",
    /answered wrong: image-vs-container, service-vs-task, digest-identity/,
  ],
  [
    "a question added since the attempt counts as wrong",
    [...QUESTIONS, "secrets-not-in-images"],
    attempt(KEY),
    "fail",
    /1 of 9 answered wrong: secrets-not-in-images/,
  ],
  ["progress.db unreadable", QUESTIONS, null, "error", /^Can't tell, because the progress store/],
];

describe("model.quiz", () => {
  it.each(VARIANTS)("%s", (_what, questions, latest, status, summary, evidence) => {
    const r = evaluateQuiz({ questions, attempt: latest }, P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
    if (evidence) expect(JSON.stringify(r.evidence)).toMatch(evidence);
    // Never a right option in what the learner sees.
    const text = `${r.summary} ${JSON.stringify(r.evidence)}`;
    for (const q of quiz.questions)
      for (const o of q.options) if (o.id === KEY[q.id]) expect(text).not.toContain(o.text);
  });
});

describe("the h01-02 quiz data", () => {
  it("has 6-8 questions, each with a key that is one of its options, and no key for a missing question", () => {
    expect(QUESTIONS.length).toBeGreaterThanOrEqual(6);
    expect(QUESTIONS.length).toBeLessThanOrEqual(8);
    for (const q of quiz.questions) expect(q.options.map((o) => o.id)).toContain(KEY[q.id]);
    expect(Object.keys(KEY).sort()).toEqual([...QUESTIONS].sort());
    // The right option is not always in the same place.
    expect(new Set(Object.values(KEY)).size).toBeGreaterThanOrEqual(3);
  });
});
