import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectRelease,
  EVIDENCE_SOURCE,
  evidenceDigest,
  evidenceTags,
  noEvidence,
  REGISTRY_SOURCE,
  type ReleaseFacts,
  SupplyParams,
  watchesRelease,
} from "./shared.ts";

export const TIERS = {
  commit: /^sha-([0-9a-f]{7,40})$/,
  candidate: /^\d+\.\d+\.\d+-rc\.\d+$/,
  release: /^\d+\.\d+\.\d+$/,
} as const;

/** The registry holds the evidence's tags, one per promotion tier, each at the evidence's digest. */
export function evaluateRegistryTags(f: ReleaseFacts): CheckOutcome {
  const missing = noEvidence(f);
  if (missing || !f.evidence.found) return missing as CheckOutcome;
  const e = f.evidence.value;
  const digest = evidenceDigest(e);
  const tags = evidenceTags(e);
  const commit = typeof e.commit === "string" ? e.commit : "";
  const evidence: Evidence[] = [
    {
      source: EVIDENCE_SOURCE(f.evidencePath),
      field: "digest",
      observed: digest ?? e.digest ?? null,
      expected: "sha256:…",
    },
    {
      source: EVIDENCE_SOURCE(f.evidencePath),
      field: "tags",
      observed: tags,
      expected: "sha-<commit>, X.Y.Z-rc.N, X.Y.Z",
    },
  ];
  if (!digest) return fail(`${f.evidencePath} records no image digest (sha256:…), only tags.`, evidence);
  if (!f.registry.found)
    return checkError(
      `Can't tell which tags the lab registry holds, because ${f.registry.reason}.`,
      evidence,
    );
  const reg = f.registry.value;
  evidence.push({
    source: REGISTRY_SOURCE,
    field: "registry tags",
    observed: Object.entries(reg).map(([t, d]) => `${t} → ${d}`),
  });
  const problems: string[] = [];
  if (tags.includes("sha-nogit") || Object.hasOwn(reg, "sha-nogit"))
    problems.push("sha-nogit is no commit tag (the build ran outside a git repository)");
  const commitTag = tags.find((t) => TIERS.commit.test(t));
  if (!commitTag) problems.push("no commit tier tag (sha-<commit>)");
  else if (!commit.startsWith(TIERS.commit.exec(commitTag)?.[1] ?? "-"))
    problems.push(`${commitTag} is not the evidence's commit ${commit.slice(0, 12) || "(none)"}`);
  if (!tags.some((t) => TIERS.candidate.test(t))) problems.push("no release-candidate tag (X.Y.Z-rc.N)");
  if (!tags.some((t) => TIERS.release.test(t))) problems.push("no release tag (X.Y.Z)");
  for (const t of tags) {
    if (!Object.hasOwn(reg, t)) problems.push(`${t} is not in the registry`);
    else if (reg[t] !== digest) problems.push(`${t} moved: the registry has it at ${reg[t]}, not ${digest}`);
  }
  if (problems.length > 0)
    return fail(`Registry tags and the evidence disagree: ${problems.join("; ")}.`, evidence);
  return pass(
    `registry:5000 holds ${tags.join(", ")}, each at ${digest}, as the evidence records.`,
    evidence,
  );
}

export const registryTags = defineCheck({
  id: "supply.registry.tags",
  title: "Promotion tags in the registry match the release evidence",
  kind: "snapshot",
  params: SupplyParams,
  watches: { objects: watchesRelease.objects, files: watchesRelease.files },
  collect: collectRelease,
  evaluate: (f) => evaluateRegistryTags(f),
});
