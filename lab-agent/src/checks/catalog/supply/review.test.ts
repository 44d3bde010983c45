import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { evaluateReview } from "./review.ts";
import { type Attestation, PREDICATE, type Signature } from "./shared.ts";
import {
  att,
  DIGEST,
  fixture,
  OTHER,
  OTHER_KEY,
  release,
  sbomFor,
  scanFor,
  VERIFIED,
} from "./test-support.ts";

const BASE = [att(PREDICATE.cyclonedx, sbomFor(DIGEST)), att(PREDICATE.vuln, scanFor(DIGEST))];
/** The release with `attachedReview` attested to the digest (undefined: no review attached). */
const releaseWith = (attachedReview: unknown, signature: Signature = VERIFIED, subject = DIGEST) =>
  release({
    attestations: {
      found: true,
      value: [
        ...BASE,
        ...(attachedReview === undefined ? [] : [att(PREDICATE.review, attachedReview, subject, signature)]),
      ] as Attestation[],
    },
  });
const GLIBC = {
  id: "DRYDOCK-2026-0001",
  decision: "accepted",
  reason: "Disputed upstream, no fix planned; needs a second memory bug; we run non-root.",
};
const TAR = {
  id: "DRYDOCK-2026-0002",
  decision: "not-applicable",
  reason: "The app never runs tar, and not as root.",
};
const review = (findings: unknown[], image: string = `registry:5000/reg-case-platform@${DIGEST}`) => ({
  found: true as const,
  value: { image, report: "ops/releases/1.0.0.scan.json", findings },
});

type V = [string, ReturnType<typeof review> | { found: false; reason: string }, "pass" | "fail", RegExp];
/** Attachment variants: the file, what is attached (JSON), and how. */
type A = [
  string,
  ReturnType<typeof review>,
  ReturnType<typeof releaseWith>,
  "pass" | "fail" | "error",
  RegExp,
];
const REF = review([GLIBC, TAR]);
/** The reference review, as CPAN::Meta::YAML + JSON::PP in the lab convert it (recorded, block-style lists). */
const RECORDED = fixture("cosign-attestations.json");
const recordedYaml = parseYaml(RECORDED.reviewYaml);
const ATTACHMENTS: A[] = [
  [
    "the file, attached as JSON",
    REF,
    releaseWith(REF.value),
    "pass",
    /attached to sha256:a1.* answers all 2/,
  ],
  [
    "the recorded review: YAML in the workspace, the lab's JSON conversion attached",
    { found: true, value: { ...recordedYaml, image: `registry:5000/reg-case-platform@${DIGEST}` } },
    releaseWith({ ...recordedYaml, image: `registry:5000/reg-case-platform@${DIGEST}` }),
    "pass",
    /answers all 2/,
  ],
  [
    "aliases written [a, b] and converted by a YAML-subset tool to one string",
    review([GLIBC, TAR].map((x) => ({ ...x, aliases: ["CVE-2019-1010022", "GLIBC-X"] }))),
    releaseWith(review([GLIBC, TAR].map((x) => ({ ...x, aliases: "[CVE-2019-1010022, GLIBC-X]" }))).value),
    "pass",
    /answers all 2/,
  ],
  [
    "a second, foreign-key review beside the learner's (only the verified one counts)",
    REF,
    release({
      attestations: {
        found: true,
        value: [
          ...BASE,
          att(PREDICATE.review, REF.value),
          att(PREDICATE.review, review([GLIBC]).value, DIGEST, OTHER_KEY),
        ],
      },
    }),
    "pass",
    /answers all 2/,
  ],
  [
    "the review not attached",
    REF,
    releaseWith(undefined),
    "fail",
    /No review attestation .* is attached to sha256:a1.*cosign attest --type https:\/\/drydock\.dev\/attestations\/vuln-review\/v1/,
  ],
  [
    "attached, then the file edited (the tar reason rewritten) and not attached again",
    review([GLIBC, { ...TAR, reason: "tar is never run by the app; uid 1000 cannot restore setuid bits." }]),
    releaseWith(REF.value),
    "fail",
    /is not .*1\.0\.0-review\.yaml as it is now \(findings\[DRYDOCK-2026-0002\]\.reason differs\): attach the file again/,
  ],
  [
    "an older review attached: the tar answer added to the file afterwards",
    REF,
    releaseWith(review([GLIBC]).value),
    "fail",
    /findings\[DRYDOCK-2026-0002\] is in the file, not in the attached review/,
  ],
  [
    "the review attested with a throwaway key",
    REF,
    releaseWith(REF.value, OTHER_KEY),
    "fail",
    /review attestation .*\(https:\/\/drydock\.dev\/attestations\/vuln-review\/v1\) is not trusted: its signature does not verify with reg-case-platform\/ops\/keys\/cosign\.pub/,
  ],
  [
    "the review attested to another digest's statement",
    REF,
    releaseWith(REF.value, VERIFIED, OTHER),
    "fail",
    /review attestation .* names another subject than sha256:a1/,
  ],
  [
    "the registry cannot answer",
    REF,
    release({ attestations: { found: false, unknown: true, reason: "connect ECONNREFUSED 127.0.0.1:5000" } }),
    "error",
    /^Can't tell whether a vulnerability report .* is attached to sha256:a1.*, because connect ECONNREFUSED/,
  ],
];
const VARIANTS: V[] = [
  ["the reference review", review([GLIBC, TAR]), "pass", /answers all 2 critical and high/],
  [
    "answered by CVE alias",
    review([{ ...GLIBC, id: "CVE-2019-1010022" }, TAR].map((x) => ({ ...x, aliases: [x.id] }))),
    "pass",
    /answers all 2/,
  ],
  [
    "decisions written as Not applicable / Accepted",
    review([
      { ...GLIBC, decision: "Accepted" },
      { ...TAR, decision: "Not applicable" },
    ]),
    "pass",
    /answers all/,
  ],
  [
    "low findings answered too",
    review([GLIBC, TAR, { id: "DRYDOCK-2026-0003", decision: "accepted", reason: "apt-key is never run" }]),
    "pass",
    /answers all 2/,
  ],
  ["the high tar finding skipped", review([GLIBC]), "fail", /high DRYDOCK-2026-0002 is not answered/],
  [
    "accepted without a reason",
    review([{ ...GLIBC, reason: "" }, TAR]),
    "fail",
    /DRYDOCK-2026-0001 is accepted without a reason/,
  ],
  [
    "a reason left as TODO",
    review([GLIBC, { ...TAR, reason: "TODO: ask the platform team" }]),
    "fail",
    /not-applicable without a reason/,
  ],
  [
    "marked fixed while the report still finds it",
    review([{ ...GLIBC, decision: "fixed" }, TAR]),
    "fail",
    /marked fixed, but the report for this digest still finds it/,
  ],
  [
    "a decision that is no decision",
    review([{ ...GLIBC, decision: "ignore" }, TAR]),
    "fail",
    /"ignore" is not fixed, accepted or not-applicable/,
  ],
  [
    "the review of an older digest",
    review([GLIBC, TAR], `registry:5000/reg-case-platform@${OTHER}`),
    "fail",
    /review is of sha256:b2/,
  ],
  ["no review file", { found: false, reason: "no such file" }, "fail", /no such file/],
];

describe("supply.review", () => {
  it.each(VARIANTS)("%s", (_what, r, status, summary) => {
    const out = evaluateReview(
      releaseWith(r.found ? r.value : REF.value),
      "reg-case-platform/ops/releases/1.0.0-review.yaml",
      r,
    );
    expect(out.summary).toMatch(summary);
    expect(out.status).toBe(status);
  });
  it.each(ATTACHMENTS)("attached: %s", (_what, file, rel, status, summary) => {
    const out = evaluateReview(rel, "reg-case-platform/ops/releases/1.0.0-review.yaml", file);
    expect(out.summary).toMatch(summary);
    expect(out.status).toBe(status);
  });
});
