import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { CheckService } from "../checks/check-service.ts";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { BlockId } from "../exercises/exercise-schema.ts";
import { quizView, submitQuiz } from "../quiz/quiz-attempts.ts";
import { QuizAnswers } from "../quiz/quiz-keys.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";

const NoQuery = z.object({}).strict();

export interface QuizRouteContext {
  lab: string;
  /** The agent's check service: its store keeps the attempts; a graded attempt re-runs the block. */
  checks: CheckService;
}

/**
 * GET /api/quiz/<block>: the block's quiz, without its answer key, and the latest verdict.
 * POST /api/quiz/<block> {answers: {<question>: <option>}}: graded, stored in progress.db, and
 * answered with the verdict (which questions are wrong, never the right options).
 * Returns false when the route is not one of these.
 */
export async function handleQuizRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: QuizRouteContext,
): Promise<boolean> {
  const m = /^\/api\/quiz\/([^/]+)\/?$/.exec(url.pathname);
  if (!m || (req.method !== "GET" && req.method !== "POST")) return false;
  const block = parseOrBadRequest(BlockId, decodePath(m[1] ?? ""), "path");
  parseOrBadRequest(NoQuery, Object.fromEntries(url.searchParams), "query");
  const { store } = ctx.checks;
  if (req.method === "GET") {
    sendJson(res, 200, quizView(store, ctx.lab, block));
    return true;
  }
  const { answers } = await readJsonBody(req, QuizAnswers);
  const verdict = submitQuiz(store, ctx.lab, block, answers, "page");
  // The deliverables panel shows the quiz's check: run the block's snapshot checks now (no lab, no run).
  void ctx.checks.run(block, "quiz", true).catch(() => {});
  sendJson(res, 200, verdict);
  return true;
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DrydockError(ErrorCode.usage, "Invalid request path: its percent-encoding is malformed.");
  }
}
