import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { BlockId } from "../exercises/exercise-schema.ts";
import { loadAllExercises } from "../exercises/load-exercises.ts";
import type { PracticeRecorder } from "../progress/practice-recorder.ts";
import { buildEndorsement, SignOff, verifyEndorsement } from "../score/endorsement.ts";
import { loadInstallationKey } from "../score/installation-key.ts";
import { type ProgressOwner, readProgress } from "../score/learner-progress.ts";
import { loadRubric } from "../score/rubric-schema.ts";
import { signScorecard } from "../score/scorecard.ts";
import { reviewScorecard } from "../score/scorecard-view.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";

export interface ScoreRouteContext {
  lab: string;
  home: string;
  practice: PracticeRecorder;
  /** Set for a workshop learner's lab: their name, and none of the installation owner's reviews. */
  owner?: ProgressOwner;
}

const NoQuery = z.object({}).strict();
const Heartbeat = z.object({ block: BlockId }).strict();
/** A credential is a JSON object; its own schema is checked by the verifier, which names the field. */
const Credential = z.record(z.string(), z.unknown());
const VerifyBody = z.object({ scorecard: Credential }).strict();
const EndorseBody = z
  .object({
    scorecard: Credential,
    mentorName: z.string().trim().min(1, "the mentor's name is needed").max(200),
    signOffs: z.array(SignOff).max(64),
    comment: z.string().max(4000).optional(),
  })
  .strict();
/** A scorecard carries every deliverable's evidence digest and any earlier reviews: roomier than 64 KiB. */
const MAX_CREDENTIAL_BODY = 1024 * 1024;

const isType = (doc: Record<string, unknown>, type: string) =>
  Array.isArray(doc.type) && doc.type.includes(type);

/**
 * GET /api/progress: the learner's progress (the progress page and the sidebar's marks).
 * POST /api/practice/page {block}: the block's page is in front — counts as page time.
 * POST /api/scorecard/verify {scorecard}: verified offline and read for the mentor page.
 * POST /api/scorecard/endorse {scorecard, mentorName, signOffs, comment}: the mentor's review,
 * signed by this installation's key and bound to that scorecard.
 * Returns false when the route is not one of these.
 */
export async function handleScoreRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ScoreRouteContext,
): Promise<boolean> {
  const route = `${req.method ?? "GET"} ${url.pathname.replace(/\/+$/, "")}`;
  const query = () => parseOrBadRequest(NoQuery, Object.fromEntries(url.searchParams), "query");
  switch (route) {
    case "GET /api/progress": {
      query();
      const { report, displayName } = readProgress(ctx.home, ctx.lab, Date.now(), ctx.owner);
      sendJson(res, 200, { ...report, ...(displayName ? { displayName } : {}) });
      return true;
    }
    case "POST /api/practice/page": {
      query();
      const { block } = await readJsonBody(req, Heartbeat);
      ctx.practice.page(block);
      res.writeHead(204).end();
      return true;
    }
    case "POST /api/scorecard/verify": {
      query();
      const { scorecard } = await readJsonBody(req, VerifyBody, MAX_CREDENTIAL_BODY);
      refuseReview(scorecard);
      const { did } = await loadInstallationKey(ctx.home);
      sendJson(
        res,
        200,
        await reviewScorecard(scorecard, { rubric: loadRubric(), exercises: loadAllExercises(), did }),
      );
      return true;
    }
    case "POST /api/scorecard/endorse": {
      query();
      const body = await readJsonBody(req, EndorseBody, MAX_CREDENTIAL_BODY);
      refuseReview(body.scorecard);
      const key = await loadInstallationKey(ctx.home);
      const unsigned = await buildEndorsement({
        scorecard: body.scorecard,
        mentorName: body.mentorName,
        signOffs: body.signOffs,
        ...(body.comment ? { comment: body.comment } : {}),
        rubric: loadRubric(),
        key,
      });
      const review = await signScorecard(unsigned, key);
      // Proven here as the learner will check it: the signed review verifies and names this scorecard.
      const check = await verifyEndorsement(review, body.scorecard);
      const learner = String(body.scorecard.name ?? "scorecard").replace(/^Drydock scorecard:\s*/, "");
      sendJson(res, 201, {
        review,
        verified: check.verified,
        boundToScorecard: check.boundToScorecard === true,
        fileName: `review-${slug(learner) || "scorecard"}.json`,
      });
      return true;
    }
    default:
      return false;
  }
}

function refuseReview(doc: Record<string, unknown>): void {
  if (isType(doc, "EndorsementCredential")) {
    throw new DrydockError(ErrorCode.usage, "This file is a mentor's review, not a scorecard.", {
      hint: "Open the learner's scorecard (written by `drydock scorecard export`); the learner imports your review with `drydock scorecard import-review`.",
    });
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60);
