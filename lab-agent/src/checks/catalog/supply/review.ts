import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { SEVERE, scanFor } from "./scan.ts";
import {
  ATTESTATION_SOURCE,
  attached,
  collectRelease,
  EVIDENCE_SOURCE,
  isOutcome,
  PLACEHOLDER,
  PREDICATE,
  parseStructured,
  type Read,
  type ReleaseFacts,
  readWorkspaceFile,
  SupplyParams,
  watchesRelease,
} from "./shared.ts";

export const DECISIONS = ["fixed", "accepted", "not-applicable"] as const;

const ATTEST_REVIEW = `cosign attest --type ${PREDICATE.review}`;

/** `[a, b]` reads as one string to YAML-subset converters (CPAN::Meta::YAML): both mean the list. */
function listOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x).trim());
  if (typeof v !== "string") return v === undefined || v === null ? [] : [String(v)];
  return v
    .replace(/^\s*\[|\]\s*$/g, "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

/** A review as comparable fields: top-level values, and each finding's fields under `findings[<id>]`. */
export function reviewFields(r: Record<string, unknown>): Map<string, string> {
  const out = new Map<string, string>();
  const text = (v: unknown) =>
    typeof v === "string" ? v.trim().replace(/\s+/g, " ") : JSON.stringify(v ?? null);
  for (const [k, v] of Object.entries(r)) if (k !== "findings") out.set(k, text(v));
  const entries = (Array.isArray(r.findings) ? r.findings : []) as Array<Record<string, unknown>>;
  for (const e of entries) {
    const id = `findings[${String(e?.id)}]`;
    out.set(id, "present");
    for (const [k, v] of Object.entries(e ?? {}))
      if (k !== "id") out.set(`${id}.${k}`, k === "aliases" ? listOf(v).join(", ") : text(v));
  }
  return out;
}

/** Where the attached review and the workspace file disagree, field by field. */
export function reviewDifferences(file: Record<string, unknown>, attachedReview: unknown): string[] {
  const a = reviewFields(
    attachedReview && typeof attachedReview === "object" && !Array.isArray(attachedReview)
      ? (attachedReview as Record<string, unknown>)
      : {},
  );
  const b = reviewFields(file);
  // A finding missing on one side is one difference, not one per field.
  const shown = (k: string, other: Map<string, string>) =>
    !k.includes("].") || other.has(k.replace(/\..*$/, ""));
  const out: string[] = [];
  for (const [k, v] of b) {
    const other = a.get(k);
    if (other === undefined) {
      if (shown(k, a)) out.push(`${k} is in the file, not in the attached review`);
    } else if (other !== v) out.push(`${k} differs`);
  }
  for (const k of a.keys())
    if (!b.has(k) && shown(k, b)) out.push(`${k} is in the attached review, not in the file`);
  return out;
}

/**
 * The learner's review is the one attached to the digest (Drydock's vuln-review predicate, signed
 * with their key), and it answers every critical and high finding of the attached report.
 */
export function evaluateReview(
  f: ReleaseFacts,
  reviewPath: string,
  review: Read<Record<string, unknown>>,
): CheckOutcome {
  const s = scanFor(f);
  if (isOutcome(s)) return s;
  const src = EVIDENCE_SOURCE(reviewPath);
  const evidence: Evidence[] = [...s.evidence];
  if (!review.found) {
    evidence.push({
      source: src,
      field: "(file)",
      observed: review.reason,
      expected: "your review of the report",
    });
    return fail(`${reviewPath}: ${review.reason}.`, evidence);
  }
  const r = review.value;
  const a = attached(f, [PREDICATE.review], `review attestation (${ATTEST_REVIEW})`);
  if (isOutcome(a))
    return a.status === "fail"
      ? fail(
          `${a.summary} Attach ${reviewPath}, as JSON, to the digest: ${ATTEST_REVIEW} --predicate <it>.`,
          a.evidence,
        )
      : a;
  const attachedReview = a.list[a.list.length - 1]?.predicate;
  const diffs = reviewDifferences(r, attachedReview);
  evidence.push({
    source: ATTESTATION_SOURCE,
    field: `${PREDICATE.review} vs ${reviewPath}`,
    observed: diffs.length > 0 ? diffs : "the same review",
    expected: "the file, as attached",
  });
  if (diffs.length > 0)
    return fail(
      `The review attached to ${a.digest} is not ${reviewPath} as it is now (${diffs.slice(0, 3).join("; ")}${diffs.length > 3 ? "; …" : ""}): attach the file again after every edit.`,
      evidence,
    );
  const image = typeof r.image === "string" ? /sha256:[0-9a-f]{64}/.exec(r.image)?.[0] : undefined;
  evidence.push({ source: src, field: "image", observed: (r.image as string) ?? null, expected: s.digest });
  const entries = (Array.isArray(r.findings) ? r.findings : []) as Array<Record<string, unknown>>;
  evidence.push({
    source: src,
    field: "findings",
    observed: entries.map(
      (e) => `${String(e.id)}: ${String(e.decision)}${e.reason ? ` — ${String(e.reason)}` : ""}`,
    ),
  });
  if (image !== s.digest)
    return fail(`The review is of ${image ?? "no image digest"}, not the released ${s.digest}.`, evidence);
  const severe = [...new Set(s.report.findings.filter((x) => SEVERE.has(x.severity)).map((x) => x.id))];
  const problems: string[] = [];
  for (const id of severe) {
    const names = new Set([
      id,
      ...s.report.findings.filter((x) => x.id === id).flatMap((x) => x.aliases ?? []),
    ]);
    const e = entries.find((x) => names.has(String(x.id)) || listOf(x.aliases).some((al) => names.has(al)));
    const sev = s.report.findings.find((x) => x.id === id)?.severity.toLowerCase();
    if (!e) {
      problems.push(`${sev} ${id} is not answered`);
      continue;
    }
    const decision = String(e.decision ?? "")
      .toLowerCase()
      .replace(/[ _]/g, "-");
    const reason = typeof e.reason === "string" ? e.reason.trim() : "";
    if (!(DECISIONS as readonly string[]).includes(decision))
      problems.push(`${id}: "${String(e.decision ?? "")}" is not fixed, accepted or not-applicable`);
    else if (decision !== "fixed" && (reason.length < 15 || PLACEHOLDER.test(reason)))
      problems.push(`${id} is ${decision} without a reason`);
    else if (decision === "fixed")
      problems.push(
        `${id} is marked fixed, but the report for this digest still finds it (rebuild, rescan, then review)`,
      );
  }
  if (problems.length > 0)
    return fail(
      `The review does not answer every critical and high finding: ${problems.join("; ")}.`,
      evidence,
    );
  return pass(
    `The review attached to ${s.digest} is ${reviewPath} and answers all ${severe.length} critical and high findings of its report.`,
    evidence,
  );
}

export const reviewAnswered = defineCheck({
  id: "supply.review",
  title: "The review, attached to the digest, answers every critical and high finding",
  kind: "snapshot",
  params: SupplyParams,
  watches: { objects: watchesRelease.objects, files: watchesRelease.files },
  async collect(ctx, p) {
    const release = await collectRelease(ctx, p);
    const text = readWorkspaceFile(ctx, p.review);
    return { release, review: text.found ? parseStructured(text.value, p.review) : text };
  },
  evaluate: (f, p) => evaluateReview(f.release, p.review, f.review),
});
