import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { OB_V3, VC_V2 } from "./document-loader.ts";
import type { InstallationKey } from "./installation-key.ts";
import { itemKey, type Rubric } from "./rubric-schema.ts";
import { digest, INLINE_CONTEXT, integrityOf, type Verification, verifyScorecard } from "./scorecard.ts";

/**
 * A mentor's review of a scorecard: an Open Badges 3.0 EndorsementCredential signed by the
 * mentor's own installation key, whose subject is the scorecard (its id) and which carries the
 * digest of the whole signed scorecard, so it is bound to that one file. `drydockReview` lists the
 * rubric items the mentor signed off (only items the rubric says need a mentor) with comments.
 */
export const SignOff = z
  .object({
    /** A rubric item key, e.g. `h20/adr-written`. */
    item: z
      .string()
      .regex(/^(?:h\d\d(?:-\d\d)?|drill)\/[a-z][a-z0-9-]*$/, "a rubric item, e.g. h20/adr-written"),
    comment: z.string().trim().max(2000).default(""),
  })
  .strict();
export type SignOff = z.infer<typeof SignOff>;

export const Review = z
  .object({
    scorecard: z.string().min(1),
    scorecardDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    signOffs: z.array(SignOff),
    comment: z.string().max(4000).default(""),
  })
  .strict();
export type Review = z.infer<typeof Review>;

export interface EndorsementInput {
  scorecard: Record<string, unknown>;
  mentorName: string;
  signOffs: SignOff[];
  comment?: string;
  rubric: Rubric;
  key: InstallationKey;
  now?: Date;
}

/** Builds the (unsigned) review of a scorecard that verifies; refuses items that need no mentor. */
export async function buildEndorsement(input: EndorsementInput): Promise<Record<string, unknown>> {
  const v = await verifyScorecard(input.scorecard);
  if (!v.verified) {
    throw new DrydockError(
      ErrorCode.usage,
      `The scorecard does not verify (${v.reason}); it cannot be reviewed.`,
      {
        hint: "Ask the learner for the file exactly as `drydock scorecard export` wrote it.",
      },
    );
  }
  const mentorItems = new Set(
    input.rubric.levels.flatMap((l) => l.evidence.filter((i) => i.mentor).map((i) => itemKey(i))),
  );
  for (const s of input.signOffs) {
    if (!mentorItems.has(s.item)) {
      throw new DrydockError(ErrorCode.usage, `${s.item} is not an item the rubric leaves to a mentor.`, {
        hint: `Items a mentor signs off: ${[...mentorItems].join(", ")}.`,
      });
    }
  }
  const review: Review = {
    scorecard: String(input.scorecard.id),
    scorecardDigest: digest(input.scorecard),
    signOffs: input.signOffs,
    comment: input.comment ?? "",
  };
  const now = (input.now ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
  const lines = input.signOffs.map((s) => `- ${s.item}: signed off${s.comment ? ` — ${s.comment}` : ""}`);
  const card: Record<string, unknown> = {
    "@context": [VC_V2, OB_V3, INLINE_CONTEXT],
    id: `urn:uuid:${randomUUID()}`,
    type: ["VerifiableCredential", "EndorsementCredential"],
    issuer: { id: input.key.did, type: ["Profile"], name: input.mentorName },
    validFrom: now,
    name: `Mentor review of ${String(input.scorecard.name ?? "a Drydock scorecard")}`,
    credentialSubject: {
      id: review.scorecard,
      type: ["EndorsementSubject"],
      endorsementComment: [input.comment ?? "", ...lines].filter(Boolean).join("\n"),
    },
    drydockReview: review,
  };
  card.drydockIntegrity = integrityOf(card);
  return card;
}

export interface ReviewVerification extends Verification {
  /** The review names this scorecard and its exact digest. */
  boundToScorecard?: boolean;
  signOffs: SignOff[];
}

/** Verifies a review's signature and, given the scorecard, that it is bound to that very file. */
export async function verifyEndorsement(
  review: unknown,
  scorecard?: Record<string, unknown>,
): Promise<ReviewVerification> {
  const v = await verifyScorecard(review);
  const parsed = Review.safeParse((review as Record<string, unknown>)?.drydockReview);
  if (!parsed.success) {
    throw new DrydockError(
      ErrorCode.usage,
      "This credential is not a Drydock mentor review (no drydockReview).",
      {
        hint: "Verify a file written by `drydock scorecard endorse`.",
      },
    );
  }
  if (!scorecard) return { ...v, signOffs: parsed.data.signOffs };
  const bound = parsed.data.scorecard === scorecard.id && parsed.data.scorecardDigest === digest(scorecard);
  return {
    ...v,
    verified: v.verified && bound,
    boundToScorecard: bound,
    signOffs: parsed.data.signOffs,
    ...(v.verified && !bound
      ? { reason: "the review was made for another scorecard (or another copy of it)" }
      : {}),
  };
}
