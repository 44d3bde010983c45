import { BLOCKS } from "../course/course-outline.ts";
import type { ScorecardReview } from "../course/score-wire.ts";
import type { LoadedExercise } from "../exercises/load-exercises.ts";
import { verifyEndorsement } from "./endorsement.ts";
import { checkedItems } from "./evidence-catalog.ts";
import { itemKey, type Rubric } from "./rubric-schema.ts";
import { LEVEL_PROVEN, LEVEL_PROVISIONAL, practiceResultId, verifyScorecard } from "./scorecard.ts";

/**
 * A scorecard as the mentor page shows it: verified first (signature and every part's digest,
 * offline), then read for what a person needs — level, each deliverable's latest result with the
 * hash of its evidence, practice minutes per block, and the rubric items left to a mentor with any
 * sign-off a review already inside the scorecard gave. A scorecard that does not verify is still
 * read (the page says "tampered" and offers no sign-off), so the mentor sees what was changed.
 */
export async function reviewScorecard(
  doc: unknown,
  opts: { rubric: Rubric; exercises: readonly LoadedExercise[]; did: string },
): Promise<ScorecardReview> {
  const v = await verifyScorecard(doc);
  const card = doc as Record<string, unknown>;
  const subject = (card.credentialSubject ?? {}) as Record<string, unknown>;
  const results = asRecords(subject.result);
  const levelOf = (id: string) => {
    const achieved = results.find((r) => r.resultDescription === id)?.achievedLevel;
    const m = typeof achieved === "string" ? /:level:(\d+)$/.exec(achieved) : null;
    return m ? Number(m[1]) : 0;
  };
  const learner = asRecords(subject.identifier).find((i) => i.identityType === "name")?.identityHash;
  const deliverables = asRecords(card.evidence).map((e) => ({
    key: String(e.genre ?? ""),
    title: String(e.name ?? ""),
    status: String(e.description ?? "").split(":")[0] ?? "",
    summary: String(e.description ?? "").replace(/^[a-z]+:\s*/, ""),
    narrative: String(e.narrative ?? ""),
    evidenceHash: String(e.id ?? ""),
  }));
  const practice = BLOCKS.map((b) => {
    const value = results.find((r) => r.resultDescription === practiceResultId(b.id))?.value;
    return { block: b.id, minutes: Number(value ?? 0) || 0, plannedMinutes: b.hours.length * 60 };
  });
  const signedOff = new Map<string, string>();
  for (const review of asRecords(card.endorsement)) {
    try {
      const r = await verifyEndorsement(review);
      if (!r.verified) continue;
      const by = String((review.issuer as { name?: unknown } | undefined)?.name ?? r.issuer);
      for (const s of r.signOffs) signedOff.set(s.item, by);
    } catch {
      // Not a Drydock review: it signs nothing off here.
    }
  }
  const titles = checkedItems(opts.exercises);
  const mentorItems = opts.rubric.levels.flatMap((l) =>
    l.evidence
      .filter((i) => i.mentor)
      .map((i) => {
        const item = itemKey(i);
        const by = signedOff.get(item);
        return {
          item,
          title: titles.get(item)?.title ?? readable(item),
          level: l.level,
          ...(by ? { signedOffBy: by } : {}),
        };
      }),
  );
  return {
    verified: v.verified,
    ...(v.reason ? { reason: v.reason } : {}),
    changed: v.changed,
    issuer: v.issuer,
    thisInstallation: v.issuer === opts.did,
    ...(v.name ? { name: v.name } : {}),
    ...(typeof learner === "string" ? { learner } : {}),
    ...(v.validFrom ? { validFrom: v.validFrom } : {}),
    level: levelOf(LEVEL_PROVEN),
    provisionalLevel: levelOf(LEVEL_PROVISIONAL),
    deliverables,
    practice,
    mentorItems,
  };
}

function asRecords(v: unknown): Record<string, unknown>[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.filter((x): x is Record<string, unknown> => typeof x === "object" && x !== null);
}

/** `h20/adr-written` → `adr written` (an item with no check has no title in exercise.yaml; the page has one). */
const readable = (key: string) => (key.split("/")[1] ?? key).replace(/-/g, " ");
