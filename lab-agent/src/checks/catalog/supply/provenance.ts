import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  ATTESTATION_SOURCE,
  attached,
  collectRelease,
  isOutcome,
  PLACEHOLDER,
  PREDICATE,
  type ReleaseFacts,
  SupplyParams,
  watchesRelease,
} from "./shared.ts";

interface Prov {
  builder: string;
  commits: string[];
  sourceUri: string;
  dirty: boolean;
}

/** Builder and source of a SLSA v1 or v0.2 provenance predicate (cosign's or BuildKit's). */
export function readProvenance(type: string, p: unknown): Prov {
  // biome-ignore lint/suspicious/noExplicitAny: foreign JSON, read field by field
  const x = (p ?? {}) as Record<string, any>;
  const commits: string[] = [];
  const collect = (d: unknown) => {
    const dig = d as { gitCommit?: string; sha1?: string } | undefined;
    for (const c of [dig?.gitCommit, dig?.sha1]) if (typeof c === "string") commits.push(c);
  };
  if (type === PREDICATE.slsa1) {
    const src = x.buildDefinition?.externalParameters?.source ?? {};
    collect(src.digest);
    for (const r of x.buildDefinition?.resolvedDependencies ?? []) collect(r?.digest);
    return {
      builder: String(x.runDetails?.builder?.id ?? ""),
      commits,
      sourceUri: String(src.uri ?? x.buildDefinition?.resolvedDependencies?.[0]?.uri ?? ""),
      dirty: src.dirty === true,
    };
  }
  collect(x.invocation?.configSource?.digest);
  for (const m of x.materials ?? []) collect(m?.digest);
  return {
    builder: String(x.builder?.id ?? ""),
    commits,
    sourceUri: String(x.invocation?.configSource?.uri ?? x.materials?.[0]?.uri ?? ""),
    dirty: false,
  };
}

export function evaluateProvenance(f: ReleaseFacts): CheckOutcome {
  const a = attached(
    f,
    [PREDICATE.slsa1, PREDICATE.slsa02],
    "provenance attestation (cosign attest --type slsaprovenance1)",
  );
  if (isOutcome(a)) return a;
  const commit =
    f.evidence.found && typeof f.evidence.value.commit === "string" ? f.evidence.value.commit : "";
  const evidence: Evidence[] = [...a.evidence];
  const verdicts = a.list.map((att) => {
    const p = readProvenance(att.predicateType, att.predicate);
    evidence.push(
      {
        source: ATTESTATION_SOURCE,
        field: "builder.id",
        observed: p.builder || null,
        expected: "the builder that made the image",
      },
      {
        source: ATTESTATION_SOURCE,
        field: "source",
        observed: `${p.sourceUri || "(no uri)"} @ ${p.commits.join(", ") || "(no commit)"}${p.dirty ? " (dirty)" : ""}`,
        expected: `commit ${commit}`,
      },
    );
    const problems: string[] = [];
    if (!p.builder || PLACEHOLDER.test(p.builder)) problems.push("it names no builder");
    if (!p.sourceUri) problems.push("it names no source repository");
    if (p.commits.length === 0) problems.push("it names no source commit");
    else if (!p.commits.some((c) => c.length >= 7 && (commit.startsWith(c) || c.startsWith(commit))))
      problems.push(
        `its source commit ${p.commits[0]?.slice(0, 12)} is not the evidence's ${commit.slice(0, 12) || "(none)"}`,
      );
    if (p.dirty)
      problems.push("the source had uncommitted changes, so the commit does not describe what was built");
    return { p, problems };
  });
  const good = verdicts.find((v) => v.problems.length === 0);
  if (!good)
    return fail(
      `The provenance attached to ${a.digest} does not trace it: ${verdicts[0]?.problems.join("; ")}.`,
      evidence,
    );
  return pass(
    `Provenance for ${a.digest}: built by ${good.p.builder} from ${good.p.sourceUri} at ${commit.slice(0, 12)}.`,
    evidence,
  );
}

export const provenanceAttached = defineCheck({
  id: "supply.provenance",
  title: "A provenance attestation names the builder and the source commit",
  kind: "snapshot",
  params: SupplyParams,
  watches: { objects: watchesRelease.objects, files: watchesRelease.files },
  collect: collectRelease,
  evaluate: (f) => evaluateProvenance(f),
});
