import { beforeAll, describe, expect, it } from "vitest";
import { exportScorecard } from "../../src/cli/score-commands.ts";
import { DrydockError } from "../../src/common/errors.ts";
import { loadAllExercises } from "../../src/exercises/load-exercises.ts";
import { buildEndorsement } from "../../src/score/endorsement.ts";
import { loadInstallationKey } from "../../src/score/installation-key.ts";
import { loadRubric } from "../../src/score/rubric-schema.ts";
import { signScorecard } from "../../src/score/scorecard.ts";
import { reviewScorecard } from "../../src/score/scorecard-view.ts";
import { homeWithProgress } from "../support/progress-home.ts";

/** The mentor page's reading of a scorecard: verified first, then level, evidence, practice, mentor items. */
// biome-ignore lint/suspicious/noExplicitAny: the tests read and tamper with credentials as loose JSON.
type Card = Record<string, any>;
const rubric = loadRubric();
const exercises = loadAllExercises();
let learnerHome: string;
let mentorDid: string;
let card: Card;

beforeAll(async () => {
  learnerHome = homeWithProgress();
  card = JSON.parse(await exportScorecard(learnerHome, { lab: "default", name: "Ana P." }));
  mentorDid = (await loadInstallationKey(homeWithProgress())).did;
}, 60_000);

describe("reviewScorecard", { timeout: 30_000 }, () => {
  it("reads a verified scorecard from another installation: learner, deliverables, practice, mentor items", async () => {
    const r = await reviewScorecard(card, { rubric, exercises, did: mentorDid });
    expect(r.verified).toBe(true);
    expect(r.thisInstallation).toBe(false);
    expect(r.learner).toBe("Ana P.");
    const h0304 = exercises.find((e) => e.block === "h03-04")?.deliverables ?? [];
    expect(r.deliverables.map((d) => d.key).sort()).toEqual(h0304.map((d) => `h03-04/${d.id}`).sort());
    for (const d of r.deliverables) {
      expect(d.status).toBe("pass");
      expect(d.evidenceHash).toMatch(/^ni:\/\/\/sha-256;/);
    }
    expect(r.practice.find((p) => p.block === "h03-04")?.minutes).toBeGreaterThan(0);
    expect(r.practice.find((p) => p.block === "h03-04")?.plannedMinutes).toBe(120);
    const items = r.mentorItems.map((i) => i.item);
    expect(items).toContain("h20/adr-written");
    expect(items).not.toContain("h03-04/image-non-root");
    expect(r.mentorItems.every((i) => i.signedOffBy === undefined)).toBe(true);
  });

  it("says tampered, naming the changed part, when one result was edited", async () => {
    const copy: Card = structuredClone(card);
    const result = copy.credentialSubject.result.find((x: Card) =>
      String(x.resultDescription).includes(":deliverable:"),
    );
    result.value = result.value === "pass" ? "fail" : "pass";
    const r = await reviewScorecard(copy, { rubric, exercises, did: mentorDid });
    expect(r.verified).toBe(false);
    expect(r.reason).toMatch(/no longer match/);
    expect(r.changed.join(" ")).toMatch(/result of h03-04\//);
  });

  it("says tampered when the learner's name was changed", async () => {
    const copy: Card = structuredClone(card);
    copy.credentialSubject.identifier[0].identityHash = "Somebody Else";
    const r = await reviewScorecard(copy, { rubric, exercises, did: mentorDid });
    expect(r.verified).toBe(false);
    expect(r.learner).toBe("Somebody Else");
  });

  it("refuses a file that is not a signed scorecard, saying which field", async () => {
    await expect(reviewScorecard({ hello: "world" }, { rubric, exercises, did: mentorDid })).rejects.toThrow(
      DrydockError,
    );
  });

  it("shows the sign-offs of a review the scorecard carries, by the mentor's name", async () => {
    const mentorHome = homeWithProgress();
    const key = await loadInstallationKey(mentorHome);
    const review = await signScorecard(
      await buildEndorsement({
        scorecard: card,
        mentorName: "Mentor M.",
        signOffs: [{ item: "h20/adr-written", comment: "clear trade-offs" }],
        rubric,
        key,
      }),
      key,
    );
    // The learner's next scorecard carries the review (as import-review + export does).
    const { ProgressStore } = await import("../../src/progress/progress-store.ts");
    const store = new ProgressStore(learnerHome);
    store.setProfile("reviews", JSON.stringify([review]));
    store.close();
    const next: Card = JSON.parse(await exportScorecard(learnerHome, { lab: "default", name: "Ana P." }));
    const r = await reviewScorecard(next, { rubric, exercises, did: key.did });
    expect(r.verified).toBe(true);
    expect(r.mentorItems.find((i) => i.item === "h20/adr-written")?.signedOffBy).toBe("Mentor M.");
    expect(r.mentorItems.find((i) => i.item === "h20/teach-back-done")?.signedOffBy).toBeUndefined();
  });
});
