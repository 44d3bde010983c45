import { createHash, randomUUID } from "node:crypto";
import { DataIntegrityProof } from "@digitalbazaar/data-integrity";
import { cryptosuite } from "@digitalbazaar/eddsa-rdfc-2022-cryptosuite";
import * as vc from "@digitalbazaar/vc";
import { z } from "zod";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { BLOCKS, RUBRIC_LEVELS } from "../course/course-outline.ts";
import { documentLoader, OB_V3, VC_V2 } from "./document-loader.ts";
import type { InstallationKey } from "./installation-key.ts";
import type { ProgressReport } from "./progress-report.ts";
import type { LevelResult } from "./rubric-level.ts";
import { describeItem } from "./rubric-level.ts";

/**
 * A learner's scorecard: an Open Badges 3.0 OpenBadgeCredential (a W3C Verifiable Credential,
 * data model 2.0) with an embedded `eddsa-rdfc-2022` Data Integrity proof by this installation's
 * did:key. It carries:
 * - the rubric level as results against two RubricCriterionLevel descriptions: the proven level
 *   (every item of levels 1..N proven) and the provisional one (what the lab can judge today);
 * - each checked deliverable's latest result (Status description, value pass|fail|error|skipped),
 *   with an `evidence` entry whose id is the SHA-256 of its evidence (RFC 6920 `ni:` URI);
 * - practice minutes per block (RawScore descriptions, out of the plan's minutes);
 * - the learner's display name as an IdentityObject of type `name`.
 * `drydockIntegrity` (a JSON literal) holds a digest of each part, so that verifying a tampered
 * copy can name the parts that no longer match, not only say that the signature fails.
 */
const ACHIEVEMENT_ID = "urn:drydock:achievement:container-platform-capstone";
export const LEVEL_PROVEN = "urn:drydock:result:maturity-level";
export const LEVEL_PROVISIONAL = "urn:drydock:result:maturity-level-provisional";
export const levelId = (n: number) => `urn:drydock:rubric:level:${n}`;
const deliverableResultId = (block: string, id: string) => `urn:drydock:result:deliverable:${block}:${id}`;
export const practiceResultId = (block: string) => `urn:drydock:result:practice-minutes:${block}`;
export const INLINE_CONTEXT = {
  drydockIntegrity: { "@id": "urn:drydock:vocab:integrity", "@type": "@json" },
  drydockReview: { "@id": "urn:drydock:vocab:review", "@type": "@json" },
};

export const INTEGRITY_VERSION = 1;

/** Canonical JSON (keys sorted, no spaces): what part digests are taken of. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();
export const evidenceHash = (evidence: unknown): string =>
  `ni:///sha-256;${sha256(canonicalJson(evidence ?? [])).toString("base64url")}`;
export const digest = (value: unknown) => `sha256:${sha256(canonicalJson(value)).toString("hex")}`;

interface Part {
  /** What a person reads: "the name", "result h03-04/image-non-root". */
  label: string;
  value: unknown;
}

/** Every signed part of a scorecard, by a label that names it to a person. */
export function scorecardParts(card: Record<string, unknown>): Map<string, Part> {
  const parts = new Map<string, Part>();
  const put = (key: string, label: string, value: unknown) => {
    if (value !== undefined) parts.set(key, { label, value });
  };
  for (const k of ["@context", "id", "type", "issuer", "validFrom", "name", "description"])
    put(k, k === "issuer" ? "the issuer" : `the credential's ${k}`, card[k]);
  put("drydockReview", "the mentor's sign-offs", card.drydockReview);
  put("endorsement", "the mentors' reviews", card.endorsement);
  const subject = (card.credentialSubject ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(subject)) {
    if (k === "result") continue;
    put(
      `credentialSubject.${k}`,
      k === "identifier" ? "the learner's display name" : `the subject's ${k}`,
      v,
    );
  }
  for (const r of asArray(subject.result)) {
    const id = String((r as Record<string, unknown>)?.resultDescription ?? "?");
    put(`result ${id}`, resultLabel(id), r);
  }
  for (const e of asArray(card.evidence)) {
    const name = String((e as Record<string, unknown>)?.genre ?? "?");
    put(`evidence ${name}`, `the evidence of ${name}`, e);
  }
  return parts;
}

function resultLabel(id: string): string {
  if (id === LEVEL_PROVEN) return "the maturity level";
  if (id === LEVEL_PROVISIONAL) return "the provisional maturity level";
  const d = /^urn:drydock:result:deliverable:([^:]+):(.+)$/.exec(id);
  if (d) return `the result of ${d[1]}/${d[2]}`;
  const p = /^urn:drydock:result:practice-minutes:(.+)$/.exec(id);
  if (p) return `the practice minutes of ${p[1]}`;
  return `the result ${id}`;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

const STATUS: Record<string, string> = {
  pass: "Completed",
  fail: "Failed",
  error: "InProgress",
  skipped: "InProgress",
};

export interface ScorecardInput {
  report: ProgressReport;
  level: LevelResult;
  displayName: string;
  key: InstallationKey;
  now?: Date;
  /** Mentors' signed reviews of earlier scorecards, whose sign-offs the level counts. */
  endorsements?: readonly Record<string, unknown>[];
}

const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z");

/** The credential, before it is signed. */
export function buildScorecard(input: ScorecardInput): Record<string, unknown> {
  const { report, level } = input;
  const now = input.now ?? new Date();
  const levelCriteria = RUBRIC_LEVELS.map((l) => ({
    id: levelId(l.level),
    type: ["RubricCriterionLevel"],
    name: `${l.level} — ${l.name}`,
    level: String(l.level),
  }));
  const checked = report.blocks.flatMap((b) => b.deliverables.map((d) => ({ block: b.block, d })));
  const resultDescription = [
    {
      id: LEVEL_PROVEN,
      type: ["ResultDescription"],
      name: "Maturity level, every item of the rubric proven (checks passing, mentor sign-offs given)",
      resultType: "RubricCriterionLevel",
      rubricCriterionLevel: levelCriteria,
    },
    {
      id: LEVEL_PROVISIONAL,
      type: ["ResultDescription"],
      name: "Maturity level as far as the lab checks today (items not checked yet and pending sign-offs not counted)",
      resultType: "RubricCriterionLevel",
      rubricCriterionLevel: levelCriteria,
    },
    ...checked.map(({ block, d }) => ({
      id: deliverableResultId(block, d.id),
      type: ["ResultDescription"],
      name: `${block}/${d.id}: ${d.title}`,
      resultType: "Status",
      allowedValue: ["pass", "fail", "error", "skipped"],
    })),
    ...BLOCKS.map((b) => ({
      id: practiceResultId(b.id),
      type: ["ResultDescription"],
      name: `Practice minutes, ${b.id} (${b.title}); the plan gives ${b.hours.length * 60}`,
      resultType: "RawScore",
      valueMin: "0",
      valueMax: String(b.hours.length * 60),
    })),
  ];
  const levelResult = (id: string, n: number) => ({
    type: ["Result"],
    resultDescription: id,
    ...(n > 0 ? { achievedLevel: levelId(n) } : {}),
    status: n === RUBRIC_LEVELS.length ? "Completed" : "InProgress",
  });
  const result = [
    levelResult(LEVEL_PROVEN, level.level),
    levelResult(LEVEL_PROVISIONAL, level.provisionalLevel),
    ...checked
      .filter(({ d }) => d.status !== undefined)
      .map(({ block, d }) => ({
        type: ["Result"],
        resultDescription: deliverableResultId(block, d.id),
        value: d.status,
        status: STATUS[d.status ?? ""] ?? "InProgress",
      })),
    ...report.blocks.map((b) => ({
      type: ["Result"],
      resultDescription: practiceResultId(b.block),
      value: String(Math.round(Math.max(b.terminalMinutes, b.pageMinutes))),
    })),
  ];
  const evidence = checked
    .filter(({ d }) => d.status !== undefined)
    .map(({ block, d }) => ({
      id: evidenceHash(d.evidence),
      type: ["Evidence"],
      name: d.title,
      genre: `${block}/${d.id}`,
      description: `${d.status}: ${d.summary ?? ""}`,
      narrative: [
        `Latest result: ${d.status} at ${d.at}.`,
        `Attempts: ${d.attempts}.`,
        d.firstPassAt ? `First passed at ${d.firstPassAt}.` : "Not passed yet.",
        "The id is the SHA-256 (RFC 6920) of the evidence read from the lab, as canonical JSON.",
      ].join(" "),
    }));
  const missing = level.next
    ? `\n\nMissing for level ${level.next.level} (${level.next.name}):\n${level.next.missing
        .map((m) => `- ${describeItem(m)}`)
        .join("\n")}`
    : "";
  const card: Record<string, unknown> = {
    "@context": [VC_V2, OB_V3, INLINE_CONTEXT],
    id: `urn:uuid:${randomUUID()}`,
    type: ["VerifiableCredential", "OpenBadgeCredential"],
    issuer: { id: input.key.did, type: ["Profile"], name: "Drydock lab agent (one installation)" },
    validFrom: isoSeconds(now),
    name: `Drydock scorecard: ${input.displayName}`,
    description: `Maturity level ${level.level} proven, ${level.provisionalLevel} as far as the lab checks today; ${report.practiceMinutes} of ${report.plannedMinutes} planned minutes practised.`,
    credentialSubject: {
      type: ["AchievementSubject"],
      identifier: [
        { type: "IdentityObject", identityHash: input.displayName, identityType: "name", hashed: false },
      ],
      achievement: {
        id: ACHIEVEMENT_ID,
        type: ["Achievement"],
        name: "Production-Grade Container Platform from Laptop to Swarm",
        description:
          "The capstone's 20-hour plan, practised in a Drydock lab and checked against the live lab.",
        criteria: {
          narrative:
            "The platform maturity rubric (levels 1-6). A level is proven when every item of it and of the levels below is proven: its check's latest result passes in the lab, and a mentor signed off what no machine can judge.",
        },
        resultDescription,
      },
      narrative: `Lab "${report.lab}", progress as of ${report.at}.${missing}`,
      result,
    },
    evidence,
    ...(input.endorsements?.length ? { endorsement: [...input.endorsements] } : {}),
  };
  card.drydockIntegrity = integrityOf(card);
  return card;
}

export function integrityOf(card: Record<string, unknown>): {
  version: number;
  parts: Record<string, string>;
} {
  const parts: Record<string, string> = {};
  for (const [key, part] of scorecardParts(card)) parts[key] = digest(part.value);
  return { version: INTEGRITY_VERSION, parts };
}

/** Signs any Drydock credential (scorecard or review) with the installation key. */
export async function signScorecard(
  card: Record<string, unknown>,
  key: InstallationKey,
): Promise<Record<string, unknown>> {
  const suite = new DataIntegrityProof({ signer: key.keyPair.signer(), cryptosuite });
  try {
    return await vc.issue({ credential: card, suite, documentLoader });
  } catch (err) {
    throw new DrydockError(ErrorCode.internal, `Signing the scorecard failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** What `scorecard verify` parses before it checks anything: enough to know it is a signed scorecard. */
export const SignedScorecard = z
  .object({
    "@context": z.array(z.unknown()).min(2),
    type: z
      .array(z.string())
      .refine(
        (t) => t.includes("OpenBadgeCredential") || t.includes("EndorsementCredential"),
        "an OpenBadgeCredential (or a mentor's EndorsementCredential)",
      ),
    issuer: z.object({ id: z.string().startsWith("did:key:", "a did:key issuer") }).loose(),
    credentialSubject: z.object({}).loose(),
    proof: z
      .object({
        type: z.literal("DataIntegrityProof"),
        cryptosuite: z.literal("eddsa-rdfc-2022"),
        verificationMethod: z.string(),
        proofValue: z.string(),
      })
      .loose(),
  })
  .loose();

export interface Verification {
  verified: boolean;
  issuer: string;
  /** The proof's key is the issuer's did:key. */
  issuerMatchesKey: boolean;
  /** Parts whose digest no longer matches (by what a person reads), when not verified. */
  changed: string[];
  /** Why it failed, in a sentence. */
  reason?: string;
  name?: string;
  validFrom?: string;
}

export async function verifyScorecard(doc: unknown): Promise<Verification> {
  const parsed = SignedScorecard.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DrydockError(
      ErrorCode.usage,
      `This is not a signed Drydock scorecard: ${issue?.path.join(".") || "(root)"}: ${issue?.message}.`,
      {
        hint: "Verify a file written by `drydock scorecard export` (an Open Badges 3.0 credential with an eddsa-rdfc-2022 proof).",
      },
    );
  }
  const card = parsed.data as Record<string, unknown>;
  const issuer = parsed.data.issuer.id;
  const issuerMatchesKey = parsed.data.proof.verificationMethod.split("#")[0] === issuer;
  const base = {
    issuer,
    issuerMatchesKey,
    ...(typeof card.name === "string" ? { name: card.name } : {}),
    ...(typeof card.validFrom === "string" ? { validFrom: card.validFrom } : {}),
  };
  const suite = new DataIntegrityProof({ cryptosuite });
  let verified = false;
  let failure = "";
  try {
    const r = await vc.verifyCredential({ credential: structuredClone(doc), suite, documentLoader });
    verified = r.verified;
    if (!verified) failure = firstError(r);
  } catch (err) {
    failure = errorMessage(err);
  }
  if (verified && issuerMatchesKey) return { verified: true, changed: [], ...base };
  const changed = changedParts(card);
  const reason = !issuerMatchesKey
    ? "the proof was made by another key than the issuer's"
    : changed.length > 0
      ? `${changed.join(", ")} no longer match${changed.length === 1 ? "es" : ""} what was signed`
      : `the signature does not match (${failure || "the proof or the digest list was changed"})`;
  return { verified: false, changed, reason, ...base };
}

function changedParts(card: Record<string, unknown>): string[] {
  const signed = (card.drydockIntegrity as { parts?: Record<string, unknown> } | undefined)?.parts ?? {};
  const now = scorecardParts(card);
  const changed: string[] = [];
  for (const [key, part] of now) {
    if (signed[key] === undefined) changed.push(`${part.label} (added)`);
    else if (signed[key] !== digest(part.value)) changed.push(part.label);
  }
  for (const key of Object.keys(signed)) if (!now.has(key)) changed.push(`${key} (removed)`);
  return changed;
}

function firstError(r: { error?: unknown; results?: Array<{ error?: unknown }> }): string {
  const e = (r.results?.[0]?.error ?? r.error) as
    | { message?: string; errors?: Array<{ message?: string }> }
    | undefined;
  return e?.errors?.[0]?.message ?? e?.message ?? "";
}
