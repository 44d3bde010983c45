import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectRelease,
  DIGEST,
  EVIDENCE_SOURCE,
  noEvidence,
  PLACEHOLDER,
  type ReleaseFacts,
  SupplyParams,
  watchesRelease,
} from "./shared.ts";

/** The seed's release evidence fields (section 10), as keys of the evidence file. */
export const FIELDS = [
  "commit",
  "tags",
  "digest",
  "dockerfile",
  "build_command",
  "sbom",
  "provenance",
  "scan",
  "integration_test",
  "stack_file",
  "timestamp",
  "rollback",
] as const;

function empty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === "string") return v.trim() === "" || PLACEHOLDER.test(v.trim());
  if (v instanceof Date) return Number.isNaN(v.getTime());
  if (Array.isArray(v)) return v.length === 0 || v.every(empty);
  if (typeof v === "object") return Object.values(v as object).every(empty);
  return false;
}

export function evaluateEvidenceRecord(f: ReleaseFacts): CheckOutcome {
  const missing = noEvidence(f);
  if (missing || !f.evidence.found) return missing as CheckOutcome;
  const e = f.evidence.value;
  const src = EVIDENCE_SOURCE(f.evidencePath);
  const evidence: Evidence[] = FIELDS.map((k) => ({
    source: src,
    field: k,
    observed: (e[k] ?? null) as Evidence["observed"],
  }));
  const problems = FIELDS.filter((k) => empty(e[k])).map((k) => `${k} (missing or a placeholder)`);
  const digest = typeof e.digest === "string" ? e.digest.replace(/^.*@/, "") : "";
  if (!empty(e.digest) && !DIGEST.test(digest))
    problems.push(`digest ${String(e.digest)} (not sha256:<64 hex>)`);
  const commit = typeof e.commit === "string" ? e.commit : "";
  if (!empty(e.commit) && !/^[0-9a-f]{40}$/.test(commit))
    problems.push("commit (not a full 40-hex git commit)");
  const ts =
    typeof e.timestamp === "string"
      ? e.timestamp
      : e.timestamp instanceof Date
        ? e.timestamp.toISOString()
        : "";
  if (!empty(e.timestamp) && Number.isNaN(Date.parse(ts))) problems.push("timestamp (not a date and time)");
  evidence.push({
    source: "workspace: git",
    field: "git HEAD",
    observed: f.git.head ?? f.git.reason ?? null,
  });
  if (problems.length > 0)
    return fail(`The release evidence is incomplete: ${problems.join(", ")}.`, evidence);
  if (f.git.head === null)
    return fail(
      `The app folder is not a git repository (${f.git.reason}), so commit ${commit.slice(0, 12)} cannot be traced.`,
      evidence,
    );
  if (f.git.commitKnown === false)
    return fail(`The evidence's commit ${commit.slice(0, 12)} is not in the app's git history.`, evidence);
  if (f.git.commitKnown === null)
    return checkError(
      "Can't tell whether the evidence's commit is in the app's history, because git could not be asked.",
      evidence,
    );
  return pass(
    `${f.evidencePath} records commit ${commit.slice(0, 12)}, ${digest} and every release field.`,
    evidence,
  );
}

export const evidenceRecord = defineCheck({
  id: "supply.evidence.record",
  title: "Release evidence file with the seed's fields, the digest and a real commit",
  kind: "snapshot",
  params: SupplyParams,
  watches: { objects: watchesRelease.objects, files: watchesRelease.files },
  collect: collectRelease,
  evaluate: (f) => evaluateEvidenceRecord(f),
});
