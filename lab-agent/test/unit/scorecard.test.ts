import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import jsonld from "jsonld";
import * as rdfCanonize from "rdf-canonize";
import { beforeAll, describe, expect, it } from "vitest";
import { exportScorecard, scoreCommand } from "../../src/cli/score-commands.ts";
import { DrydockError } from "../../src/common/errors.ts";
import { documentLoader } from "../../src/score/document-loader.ts";
import { buildEndorsement, verifyEndorsement } from "../../src/score/endorsement.ts";
import { KEY_FILE, loadInstallationKey } from "../../src/score/installation-key.ts";
import { loadRubric } from "../../src/score/rubric-schema.ts";
import { evidenceHash, signScorecard, verifyScorecard } from "../../src/score/scorecard.ts";
import { homeWithProgress } from "../support/progress-home.ts";

const NOW = new Date("2026-12-01T12:00:00Z");

// biome-ignore lint/suspicious/noExplicitAny: the tests read and tamper with credentials as loose JSON.
type Card = Record<string, any>;
let home: string;
let card: Card;

beforeAll(async () => {
  home = homeWithProgress();
  card = JSON.parse(await exportScorecard(home, { lab: "default", name: "Ana P." }, NOW));
}, 60_000);

describe("scorecard export", { timeout: 30_000 }, () => {
  it("is an Open Badges 3.0 credential with the level, results, evidence hashes, practice and name", () => {
    expect(card["@context"].slice(0, 2)).toEqual([
      "https://www.w3.org/ns/credentials/v2",
      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]);
    expect(card.type).toEqual(["VerifiableCredential", "OpenBadgeCredential"]);
    expect(card.issuer.id).toMatch(/^did:key:z6Mk/);
    expect(card.validFrom).toBe("2026-12-01T12:00:00Z");
    const subject = card.credentialSubject;
    expect(subject.identifier[0]).toMatchObject({ identityType: "name", identityHash: "Ana P." });
    const byDesc = new Map(subject.result.map((r: Card) => [r.resultDescription, r]));
    expect(byDesc.get("urn:drydock:result:maturity-level")).not.toHaveProperty("achievedLevel");
    // Only h03-04 passes here: levels 1 and 2 are checked and not run, so no level, provisional or not.
    expect(byDesc.get("urn:drydock:result:maturity-level-provisional")).not.toHaveProperty("achievedLevel");
    expect(byDesc.get("urn:drydock:result:deliverable:h03-04:image-non-root")).toMatchObject({
      value: "pass",
      status: "Completed",
    });
    expect(byDesc.get("urn:drydock:result:practice-minutes:h03-04")).toMatchObject({ value: "11" });
    expect(subject.narrative).toMatch(/Missing for level 1 \(Command user\)/);
    const ev = card.evidence.find((e: Card) => e.genre === "h03-04/image-non-root");
    expect(ev.id).toBe(
      evidenceHash([{ source: "laptop: GET /images/{name}/json", field: "Config.User", observed: "node" }]),
    );
    expect(ev.narrative).toMatch(/Attempts: 2\. First passed at 2026-12-01T11:00:00Z/);
    expect(card.proof).toMatchObject({
      type: "DataIntegrityProof",
      cryptosuite: "eddsa-rdfc-2022",
      proofPurpose: "assertionMethod",
    });
  });

  it("keeps the installation key 0600 in DRYDOCK_HOME and reuses it", async () => {
    expect(statSync(join(home, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect((await loadInstallationKey(home)).did).toBe(card.issuer.id);
  });

  it("asks for a display name when none was given", async () => {
    const err = await exportScorecard(homeWithProgress(), { lab: "default" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrydockError);
    expect((err as DrydockError).hint).toMatch(/--name/);
  });
});

describe("scorecard verify", { timeout: 30_000 }, () => {
  it("verifies an untouched scorecard, offline", async () => {
    const v = await verifyScorecard(structuredClone(card));
    expect(v).toMatchObject({ verified: true, issuer: card.issuer.id, changed: [] });
  });

  it.each<[string, (c: Card) => void, RegExp]>([
    [
      "a failing result turned into a pass",
      (c) => {
        const r = c.credentialSubject.result.find((x: Card) =>
          x.resultDescription.endsWith(":image-oci-labels"),
        );
        r.value = "fail";
      },
      /the result of h03-04\/image-oci-labels/,
    ],
    [
      "a higher level",
      (c) => {
        c.credentialSubject.result[1].achievedLevel = "urn:drydock:rubric:level:5";
      },
      /the provisional maturity level/,
    ],
    [
      "more practice minutes",
      (c) => {
        const r = c.credentialSubject.result.find((x: Card) =>
          x.resultDescription.endsWith("practice-minutes:h03-04"),
        );
        r.value = "120";
      },
      /the practice minutes of h03-04/,
    ],
    [
      "another learner's name",
      (c) => {
        c.credentialSubject.identifier[0].identityHash = "Bob";
      },
      /the learner's display name/,
    ],
    [
      "an evidence hash",
      (c) => {
        c.evidence[0].id = evidenceHash(["forged"]);
      },
      /the evidence of h03-04\//,
    ],
    [
      "a removed result",
      (c) => {
        c.credentialSubject.result.splice(2, 1);
      },
      /removed/,
    ],
  ])("names what no longer matches: %s", async (_n, tamper, named) => {
    const copy = structuredClone(card);
    tamper(copy);
    const v = await verifyScorecard(copy);
    expect(v.verified).toBe(false);
    expect(v.reason).toMatch(named);
    expect(v.changed).toHaveLength(1);
  });

  it("fails when the digest list is edited to match the change", async () => {
    const copy = structuredClone(card);
    copy.name = "Drydock scorecard: Mallory";
    delete copy.drydockIntegrity.parts.name;
    const v = await verifyScorecard(copy);
    expect(v.verified).toBe(false);
  });

  it("fails a proof re-signed by another key under the same issuer", async () => {
    const other = JSON.parse(
      await exportScorecard(homeWithProgress(), { lab: "default", name: "Ana P." }, NOW),
    );
    const copy = structuredClone(card);
    copy.proof = other.proof;
    const v = await verifyScorecard(copy);
    expect(v.verified).toBe(false);
    expect(v.reason).toMatch(/another key than the issuer's/);
  });

  it("verifies a scorecard from another installation by its own key, and says so", async () => {
    const otherHome = homeWithProgress();
    const file = join(otherHome, "card.json");
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream };
    expect(await scoreCommand(["scorecard", "export", "--name", "Bo", "--out", file], io, otherHome)).toBe(0);
    expect(await scoreCommand(["scorecard", "verify", file], io, home)).toBe(0);
    expect(out.join("")).toMatch(
      /Verified: Drydock scorecard: Bo, signed .* by another installation \(did:key:z6Mk/,
    );
    const tampered = JSON.parse(readFileSync(file, "utf8"));
    tampered.credentialSubject.result[0].achievedLevel = "urn:drydock:rubric:level:6";
    writeFileSync(file, JSON.stringify(tampered));
    expect(await scoreCommand(["scorecard", "verify", file], io, home)).toBe(16);
    expect(out.join("")).toMatch(/Tampered: the maturity level no longer matches what was signed/);
  });

  it("refuses a file that is not a scorecard, with a hint", async () => {
    await expect(verifyScorecard({ hello: "world" })).rejects.toBeInstanceOf(DrydockError);
  });

  it("refuses to fetch a context it does not bundle", async () => {
    const copy = structuredClone(card);
    copy["@context"].push("https://example.org/evil-context.json");
    const v = await verifyScorecard(copy);
    expect(v.verified).toBe(false);
    await expect(documentLoader("https://example.org/x")).rejects.toThrow(/does not have/);
  });
});

// An independent check of the Data Integrity proof (eddsa-rdfc-2022, W3C vc-di-eddsa §3.3):
// RDFC-1.0 canonical N-Quads of the proof options and of the document, SHA-256 each, and the
// Ed25519 signature over both checked with node:crypto, not with the libraries that signed.
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58btc(text: string): Buffer {
  let n = 0n;
  for (const ch of text) {
    const v = B58.indexOf(ch);
    if (v < 0) throw new Error(`not base58: ${ch}`);
    n = n * 58n + BigInt(v);
  }
  const hex = n.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  const zeros = text.length - text.replace(/^1+/, "").length;
  return Buffer.concat([Buffer.alloc(zeros), bytes]);
}

async function canonical(doc: unknown): Promise<string> {
  const dataset = await jsonld.toRDF(doc, { documentLoader, safe: true });
  return rdfCanonize.canonize(dataset, { algorithm: "RDFC-1.0" });
}

async function independentlyVerified(signed: Card): Promise<boolean> {
  const { proof, ...document } = signed;
  const { proofValue, ...options } = proof;
  const sha = (s: string) => createHash("sha256").update(s, "utf8").digest();
  const hashData = Buffer.concat([
    sha(await canonical({ ...options, "@context": document["@context"] })),
    sha(await canonical(document)),
  ]);
  const multikey = base58btc(String(options.verificationMethod).split("#")[1]?.slice(1) ?? "");
  expect([...multikey.subarray(0, 2)]).toEqual([0xed, 0x01]); // the multicodec prefix of an Ed25519 public key
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), multikey.subarray(2)]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  return verify(null, hashData, key, base58btc(String(proofValue).slice(1)));
}

describe("the proof, checked independently", { timeout: 30_000 }, () => {
  it("holds for the exported scorecard", async () => {
    expect(await independentlyVerified(card)).toBe(true);
  });

  it("fails for a copy with one changed value", async () => {
    const copy = structuredClone(card);
    copy.credentialSubject.result[1].achievedLevel = "urn:drydock:rubric:level:6";
    expect(await independentlyVerified(copy)).toBe(false);
  });
});

describe("the mentor's review (an EndorsementCredential)", { timeout: 60_000 }, () => {
  const mentorHome = mkdtempSync(join(tmpdir(), "drydock-mentor-"));
  const review = async (scorecard: Card, items = ["h20/adr-written"]) => {
    const key = await loadInstallationKey(mentorHome);
    const unsigned = await buildEndorsement({
      scorecard,
      mentorName: "Mentor M.",
      signOffs: items.map((item) => ({ item, comment: "read it, sound reasoning" })),
      comment: "Good work.",
      rubric: loadRubric(),
      key,
      now: NOW,
    });
    return (await signScorecard(unsigned, key)) as Card;
  };

  it("round-trips: signed by the mentor's key, bound to this scorecard, verified independently", async () => {
    const r = await review(card);
    expect(r.type).toEqual(["VerifiableCredential", "EndorsementCredential"]);
    expect(r.credentialSubject).toMatchObject({ id: card.id, type: ["EndorsementSubject"] });
    const v = await verifyEndorsement(structuredClone(r), structuredClone(card));
    expect(v).toMatchObject({ verified: true, boundToScorecard: true });
    expect(v.signOffs.map((s) => s.item)).toEqual(["h20/adr-written"]);
    expect(v.issuer).not.toBe(card.issuer.id);
    expect(await independentlyVerified(r)).toBe(true);
  });

  it("is not bound to another copy of the scorecard", async () => {
    const r = await review(card);
    const other = JSON.parse(await exportScorecard(home, { lab: "default" }, NOW));
    const v = await verifyEndorsement(r, other);
    expect(v.verified).toBe(false);
    expect(v.reason).toMatch(/another scorecard/);
  });

  it("names changed sign-offs as tampered", async () => {
    const r = await review(card);
    r.drydockReview.signOffs.push({ item: "h20/teach-back-done", comment: "" });
    const v = await verifyEndorsement(r, card);
    expect(v.verified).toBe(false);
    expect(v.reason).toMatch(/the mentor's sign-offs no longer match/);
  });

  it("refuses to sign off what the rubric does not leave to a mentor, or a tampered scorecard", async () => {
    await expect(review(card, ["h03-04/image-non-root"])).rejects.toThrow(
      /not an item the rubric leaves to a mentor/,
    );
    const copy = structuredClone(card);
    copy.name = "forged";
    await expect(review(copy)).rejects.toThrow(/does not verify/);
  });
});

describe("importing a mentor's review", { timeout: 60_000 }, () => {
  it("counts its sign-offs in the level and carries it in the next scorecard, which still verifies", async () => {
    const learner = homeWithProgress();
    const mentor = mkdtempSync(join(tmpdir(), "drydock-mentor-"));
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream };
    const cardFile = join(learner, "card.json");
    const reviewFile = join(mentor, "review.json");
    expect(await scoreCommand(["scorecard", "export", "--name", "Ana", "--out", cardFile], io, learner)).toBe(
      0,
    );
    const signOffs = ["h01-02/mental-model-diagram", "h01-02/explain-image-container-service-task"];
    const args = signOffs.flatMap((s) => ["--signoff", `${s}=seen in the session`]);
    expect(
      await scoreCommand(
        ["scorecard", "endorse", cardFile, "--name", "M", ...args, "--out", reviewFile],
        io,
        mentor,
      ),
    ).toBe(0);
    // A review of a scorecard this installation never exported is refused.
    await expect(scoreCommand(["scorecard", "import-review", reviewFile], io, mentor)).rejects.toThrow(
      /did not export/,
    );
    expect(await scoreCommand(["scorecard", "import-review", reviewFile], io, learner)).toBe(0);

    const next = JSON.parse(await exportScorecard(learner, { lab: "default" }, NOW));
    expect(next.endorsement).toHaveLength(1);
    const level1 = next.credentialSubject.narrative as string;
    // The signed-off mentor-only item is no longer missing; the checked ones still are.
    expect(level1).not.toMatch(/explain-image-container-service-task/);
    expect(level1).toMatch(/h01-02\/inspect-objects-practised: /);
    expect(await verifyScorecard(structuredClone(next))).toMatchObject({ verified: true });
    expect(await independentlyVerified(next)).toBe(true);
    const forged = structuredClone(next);
    forged.endorsement[0].drydockReview.signOffs.push({ item: "h20/adr-written", comment: "" });
    expect((await verifyScorecard(forged)).reason).toMatch(/the mentors' reviews/);
  });
});
