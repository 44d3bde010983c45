import { z } from "zod";
import { QUIZZES } from "../../../course/quizzes.ts";
import type { QuizAttempt } from "../../../progress/progress-store.ts";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";

const Params = z
  .object({
    /** The block whose quiz is judged (its questions are in course/quizzes.ts). */
    block: z.string().refine((b) => QUIZZES.has(b as never), { message: "no quiz for this block" }),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface QuizFacts {
  /** Question ids of the quiz now, in order. */
  questions: string[];
  /** The latest graded attempt; undefined: none yet; null: progress.db was not available. */
  attempt: QuizAttempt | undefined | null;
}

const SOURCE = "progress.db: quiz_attempts (graded by the agent)";

/**
 * Pass when the latest attempt answered every question right (no partial credit). A failure
 * names the questions answered wrong, never their right options.
 */
export function evaluateQuiz(f: QuizFacts, p: Params): CheckOutcome {
  if (f.attempt === null)
    return checkError(
      "Can't tell, because the progress store (progress.db) where quiz attempts are kept could not be read.",
    );
  if (f.attempt === undefined)
    return fail(`The ${p.block} quiz was not taken yet.`, [
      {
        source: SOURCE,
        field: `latest attempt (${p.block})`,
        observed: "not taken yet",
        expected: "an attempt",
      },
    ]);
  const a = f.attempt;
  // A question added since the attempt was never answered: it counts as wrong.
  const wrong = [...new Set([...a.wrong, ...f.questions.filter((q) => !(q in a.answers))])].filter((q) =>
    f.questions.includes(q),
  );
  const right = f.questions.length - wrong.length;
  const evidence: Evidence[] = [
    {
      source: SOURCE,
      field: `latest attempt (${p.block})`,
      observed: `${a.at}, from the ${a.source}: ${right} of ${f.questions.length} right`,
      expected: `all ${f.questions.length} right`,
    },
    { source: SOURCE, field: "questions answered wrong", observed: wrong.length ? wrong : "none" },
  ];
  if (wrong.length === 0)
    return pass(`The ${p.block} quiz was answered all right (${right} of ${f.questions.length}).`, evidence);
  return fail(
    `The latest ${p.block} quiz attempt has ${wrong.length} of ${f.questions.length} answered wrong: ${wrong.join(", ")}.`,
    evidence,
  );
}

export const quizTaken = defineCheck({
  id: "model.quiz",
  title: "The block's quiz answered all right (graded by the agent, the latest attempt)",
  kind: "snapshot",
  params: Params,
  watches: { objects: [], files: () => [] },
  async collect(ctx, p): Promise<QuizFacts> {
    const questions = (QUIZZES.get(p.block as never)?.questions ?? []).map((q) => q.id);
    if (!ctx.quizzes) return { questions, attempt: null };
    return { questions, attempt: ctx.quizzes.latestQuizAttempt(ctx.lab.lab, p.block) };
  },
  evaluate: evaluateQuiz,
});
