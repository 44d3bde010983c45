import { generateKeyPairSync, sign } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { repoRoot } from "../../../common/paths.ts";
import type { CheckOutcome } from "../../check-result.ts";
import { evaluateProvenance } from "./provenance.ts";
import { evaluateReview } from "./review.ts";
import { appDependencies, evaluateSbom } from "./sbom.ts";
import { evaluateScan } from "./scan.ts";
import {
  keyPathOf,
  loadSnapshot,
  type PublicKey,
  pae,
  parsePublicKey,
  type ReleaseFacts,
  statementsFrom,
} from "./shared.ts";
import { fixture, KEY_PATH, release } from "./test-support.ts";

/**
 * Recorded in the lab node image (cosign 2.5.0 from Debian): four attestations of one digest signed
 * with key pair A (`cosign attest --key cosign.key --tlog-upload=false --allow-http-registry`), and
 * the public keys of A and of a second pair B. cosign verify-attestation said: with A, all four
 * verify; with B, none. The checks must agree with it.
 */
const REC = fixture("cosign-attestations.json") as {
  digest: string;
  envelopes: string[];
  keyA: string;
  keyB: string;
  reviewYaml: string;
};
const starter = join(repoRoot, "exercises", "reg-case-platform");
const APP = appDependencies(
  readFileSync(join(starter, "package.json"), "utf8"),
  readFileSync(join(starter, "package-lock.json"), "utf8"),
);
const REVIEW = { found: true as const, value: parseYaml(REC.reviewYaml) as Record<string, unknown> };
const REVIEW_FILE = "reg-case-platform/ops/releases/1.0.0-review.yaml";

const key = (pem: string | undefined, path = KEY_PATH, from: PublicKey["from"] = "evidence"): PublicKey => ({
  path,
  from,
  pem: pem ? { found: true, value: pem } : { found: false, reason: "no such file" },
});
/** The recorded attestations as collectRelease reads them, verified with `k`. */
function facts(k: PublicKey, envelopes = REC.envelopes): ReleaseFacts {
  return release({
    evidenceOver: { digest: REC.digest },
    key: k,
    attestations: {
      found: true,
      value: statementsFrom(envelopes, k.pem.found ? k.pem.value : undefined, k.path),
    },
  });
}
/** Every supply check that reads attestations, on the same facts. */
const ALL = (f: ReleaseFacts): Record<string, CheckOutcome> => ({
  sbom: evaluateSbom(f, APP),
  provenance: evaluateProvenance(f),
  scan: evaluateScan(f, loadSnapshot),
  review: evaluateReview(f, REVIEW_FILE, REVIEW),
});

/** Re-encodes an envelope's statement after `edit`, keeping its signature (a tampered payload). */
function tamper(env: string, edit: (st: any) => void): string {
  const e = JSON.parse(env);
  const st = JSON.parse(Buffer.from(e.payload, "base64").toString("utf8"));
  edit(st);
  e.payload = Buffer.from(JSON.stringify(st)).toString("base64");
  return JSON.stringify(e);
}
/** The envelope's statement after `edit`, signed as cosign does (DSSE PAE, ECDSA P-256) with a key that is not the learner's. */
function foreignSigned(env: string, edit: (st: any) => void): string {
  const e = JSON.parse(tamper(env, edit));
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const sig = sign("sha256", pae(e.payloadType, Buffer.from(e.payload, "base64")), privateKey);
  return JSON.stringify({ ...e, signatures: [{ keyid: "", sig: sig.toString("base64") }] });
}
const withEnvelope = (i: number, env: string) => REC.envelopes.map((e, j) => (j === i ? env : e));
const pemOf = (type: "ec" | "rsa"): string =>
  (type === "ec"
    ? generateKeyPairSync("ec", { namedCurve: "P-256" })
    : generateKeyPairSync("rsa", { modulusLength: 2048 })
  ).publicKey
    .export({ type: "spki", format: "pem" })
    .toString();

type V = [string, ReleaseFacts, Record<string, ["pass" | "fail" | "error", RegExp]>];
const VARIANTS: V[] = [
  [
    "signed with the learner's key, verified with it",
    facts(key(REC.keyA)),
    {
      sbom: ["pass", /An SBOM for sha256:80fd/],
      provenance: ["pass", /Provenance for sha256:80fd/],
      scan: ["pass", /A vulnerability report for sha256:80fd/],
      review: ["pass", /answers all 2/],
    },
  ],
  [
    "the key named by the evidence at a workspace-relative path",
    facts(key(REC.keyA, "reg-case-platform/ops/keys/cosign.pub")),
    { sbom: ["pass", /An SBOM/], review: ["pass", /answers all/] },
  ],
  [
    "cosign's default key path (the evidence names none)",
    facts(key(REC.keyA, KEY_PATH, "default")),
    { provenance: ["pass", /Provenance/], scan: ["pass", /report for/] },
  ],
  [
    "another key's SBOM (no npm packages) added beside the learner's: only the verified one counts",
    facts(key(REC.keyA), [
      ...REC.envelopes,
      foreignSigned(REC.envelopes[0] ?? "", (st) => {
        st.predicate.components = st.predicate.components.filter((c: any) => !c.purl?.startsWith("pkg:npm/"));
      }),
    ]),
    { sbom: ["pass", /An SBOM for sha256:80fd.* npm packages/] },
  ],
  [
    "attested with a throwaway key pair (B) while the evidence names A's cosign.pub",
    facts(key(REC.keyB)),
    {
      sbom: [
        "fail",
        /SBOM attestation .* \(https:\/\/cyclonedx\.org\/bom\) is not trusted: its signature does not verify with reg-case-platform\/ops\/keys\/cosign\.pub/,
      ],
      provenance: ["fail", /\(https:\/\/slsa\.dev\/provenance\/v1\) is not trusted/],
      scan: ["fail", /\(https:\/\/cosign\.sigstore\.dev\/attestation\/vuln\/v1\) is not trusted/],
    },
  ],
  [
    "a tampered payload: the critical finding edited out of the signed report",
    facts(
      key(REC.keyA),
      withEnvelope(
        2,
        tamper(REC.envelopes[2] ?? "", (st) => {
          st.predicate.scanner.result.findings = st.predicate.scanner.result.findings.filter(
            (x: any) => x.id !== "DRYDOCK-2026-0001",
          );
        }),
      ),
    ),
    {
      scan: ["fail", /vuln\/v1\) is not trusted: its signature does not verify .* changed after signing/],
      sbom: ["pass", /An SBOM/],
    },
  ],
  [
    "a tampered subject: the statement re-pointed at another digest",
    facts(
      key(REC.keyA),
      withEnvelope(
        0,
        tamper(REC.envelopes[0] ?? "", (st) => {
          st.subject[0].digest.sha256 = "c3".repeat(32);
        }),
      ),
    ),
    { sbom: ["fail", /cyclonedx\.org\/bom\) is not trusted/] },
  ],
  [
    "the signature stripped",
    facts(
      key(REC.keyA),
      withEnvelope(1, JSON.stringify({ ...JSON.parse(REC.envelopes[1] ?? "{}"), signatures: [] })),
    ),
    { provenance: ["fail", /slsa\.dev\/provenance\/v1\) is not trusted: it carries no signature/] },
  ],
  [
    "no public key in the workspace (cosign.pub not kept)",
    facts(key(undefined, KEY_PATH, "default")),
    {
      sbom: [
        "fail",
        /No public key to verify .*ops\/keys\/cosign\.pub does not exist\. Run cosign generate-key-pair/,
      ],
      review: ["fail", /No public key/],
    },
  ],
  [
    "the evidence names a key path that does not exist",
    facts(key(undefined, "reg-case-platform/ops/keys/release.pub")),
    {
      provenance: [
        "fail",
        /The public key the evidence names, reg-case-platform\/ops\/keys\/release\.pub, does not exist/,
      ],
    },
  ],
];

describe("supply checks: cosign's signatures, verified with the learner's public key", () => {
  it.each(VARIANTS)("%s", (_what, f, want) => {
    const out = ALL(f);
    for (const [check, [status, summary]] of Object.entries(want)) {
      expect(out[check]?.summary, check).toMatch(summary);
      expect(out[check]?.status, `${check}: ${out[check]?.summary}`).toBe(status);
    }
  });

  it("agrees with cosign verify-attestation on the recording (A: all four, B: none)", () => {
    expect(statementsFrom(REC.envelopes, REC.keyA).map((a) => a.signature.verified)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(statementsFrom(REC.envelopes, REC.keyB).map((a) => a.signature.verified)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(statementsFrom(REC.envelopes, pemOf("ec")).some((a) => a.signature.verified)).toBe(false);
  });

  it.each([
    ["cosign.pub (EC P-256 PEM)", REC.keyA, true],
    ["an RSA public key", pemOf("rsa"), true],
    [
      "cosign.key (encrypted private key)",
      "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
      false,
    ],
    ["not a key", "ssh-ed25519 AAAA… learner@laptop\n", false],
  ])("parsePublicKey: %s", (_what, pem, ok) => {
    expect("key" in parsePublicKey(pem)).toBe(ok);
  });

  it.each([
    [{}, () => false, "reg-case-platform/ops/keys/cosign.pub", "default"],
    [{ public_key: "ops/keys/cosign.pub" }, () => true, "reg-case-platform/ops/keys/cosign.pub", "evidence"],
    [
      { public_key: "reg-case-platform/ops/keys/release.pub" },
      (p: string) => p === "reg-case-platform/ops/keys/release.pub",
      "reg-case-platform/ops/keys/release.pub",
      "evidence",
    ],
    [{ signing_key: "ops/keys/cosign.key" }, () => true, "reg-case-platform/ops/keys/cosign.pub", "evidence"],
    [
      { key: "/workspace/reg-case-platform/ops/keys/cosign.pub" },
      (p: string) => p === "reg-case-platform/ops/keys/cosign.pub",
      "reg-case-platform/ops/keys/cosign.pub",
      "evidence",
    ],
  ] as const)("keyPathOf %j", (e, exists, path, from) => {
    expect(keyPathOf(e, "reg-case-platform", exists)).toMatchObject({ path, from });
  });
});
