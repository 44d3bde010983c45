import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { type Finding, matchAdvisories, sbomPackages } from "../../parsers/osv-match.ts";
import {
  ATTESTATION_SOURCE,
  attached,
  collectRelease,
  isOutcome,
  loadSnapshot,
  PREDICATE,
  type ReleaseFacts,
  type Snapshot,
  SupplyParams,
  watchesRelease,
} from "./shared.ts";

export interface ScanReport {
  date: string | undefined;
  scope: string | undefined;
  subject: string | undefined;
  findings: Finding[];
}

/** drydock-scan's report (cosign's vuln predicate): its subject, snapshot and findings. */
export function readScan(predicate: unknown): ScanReport {
  const s = (predicate ?? {}) as {
    scanner?: {
      db?: { version?: string };
      result?: {
        subject?: { digest?: string };
        snapshot?: { date?: string; scope?: string };
        findings?: Array<Record<string, string>>;
      };
    };
  };
  const r = s.scanner?.result;
  return {
    date: r?.snapshot?.date ?? s.scanner?.db?.version,
    scope: r?.snapshot?.scope,
    subject: r?.subject?.digest,
    findings: (r?.findings ?? []).map((x: Record<string, any>) => ({
      aliases: Array.isArray(x.aliases) ? x.aliases.map(String) : [],
      id: x.id ?? "",
      severity: String(x.severity ?? "").toUpperCase(),
      package: x.package ?? "",
      version: x.version ?? "",
    })),
  };
}

export const SEVERE = new Set(["CRITICAL", "HIGH"]);

/** The attached scan report of the evidence's digest, and the critical/high findings it must list. */
export function scanFor(
  f: ReleaseFacts,
): { report: ScanReport; digest: string; evidence: Evidence[] } | CheckOutcome {
  const a = attached(f, [PREDICATE.vuln], "vulnerability report (cosign attest --type vuln)");
  if (isOutcome(a)) return a;
  const att = a.list[a.list.length - 1];
  const report = readScan(att?.predicate);
  const evidence: Evidence[] = [
    ...a.evidence,
    {
      source: ATTESTATION_SOURCE,
      field: "report subject",
      observed: report.subject ?? null,
      expected: a.digest,
    },
    {
      source: ATTESTATION_SOURCE,
      field: "snapshot",
      observed: report.date ? `${report.date}: ${report.scope ?? "(no scope)"}` : null,
      expected: "the advisory snapshot's date and scope",
    },
    {
      source: ATTESTATION_SOURCE,
      field: "findings",
      observed: report.findings.map((x) => `${x.severity} ${x.id} ${x.package} ${x.version}`),
    },
  ];
  return { report, digest: a.digest, evidence };
}

export function evaluateScan(
  f: ReleaseFacts,
  snapshotOf: (date: string) => Snapshot | undefined,
): CheckOutcome {
  const s = scanFor(f);
  if (isOutcome(s)) return s;
  const { report, digest, evidence } = s;
  if (report.subject !== digest)
    return fail(
      `The vulnerability report attached is for ${report.subject ?? "no image digest"}, not ${digest}.`,
      evidence,
    );
  if (!report.date || !report.scope)
    return fail(
      "The vulnerability report does not say which advisory snapshot (date and scope) it was matched against.",
      evidence,
    );
  const snapshot = snapshotOf(report.date);
  const sbom = f.attestations.found
    ? f.attestations.value.find(
        (x) => x.predicateType === PREDICATE.cyclonedx && x.subjects.includes(digest) && x.signature.verified,
      )
    : undefined;
  if (!snapshot)
    return checkError(
      `Can't tell whether the report is complete, because Drydock has no advisory snapshot of ${report.date}.`,
      evidence,
    );
  if (!sbom)
    return checkError(
      "Can't tell whether the report is complete, because no CycloneDX SBOM is attached to the same digest.",
      evidence,
    );
  const expected = matchAdvisories(sbomPackages(sbom.predicate), snapshot.records).filter((x) =>
    SEVERE.has(x.severity),
  );
  const left = expected.filter((x) => !report.findings.some((y) => y.id === x.id && y.package === x.package));
  evidence.push({
    source: `Drydock snapshot ${report.date} × the attached SBOM`,
    field: "critical/high expected",
    observed: expected.map((x) => `${x.severity} ${x.id} ${x.package} ${x.version}`),
  });
  if (left.length > 0)
    return fail(
      `The report leaves out ${left.map((x) => `${x.severity} ${x.id} (${x.package})`).join(", ")}, which the snapshot finds in this SBOM.`,
      evidence,
    );
  const n = (sev: string) => report.findings.filter((x) => x.severity === sev).length;
  return pass(
    `A vulnerability report for ${digest} is attached (snapshot ${report.date}): ${n("CRITICAL")} critical, ${n("HIGH")} high, ${report.findings.length} findings in all.`,
    evidence,
  );
}

export const scanAttached = defineCheck({
  id: "supply.scan",
  title: "A vulnerability report for the digest, against a dated snapshot, is attached",
  kind: "snapshot",
  params: SupplyParams,
  watches: { objects: watchesRelease.objects, files: watchesRelease.files },
  collect: collectRelease,
  evaluate: (f) => evaluateScan(f, loadSnapshot),
});
