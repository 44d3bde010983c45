import { describe, expect, it } from "vitest";
import { evaluateScan } from "./scan.ts";
import { loadSnapshot, PREDICATE } from "./shared.ts";
import { att, DIGEST, OTHER, release, sbomFor, scanFor } from "./test-support.ts";

const SBOM = att(PREDICATE.cyclonedx, sbomFor(DIGEST));
const drop = (id: string) => (d: any) => {
  d.scanner.result.findings = d.scanner.result.findings.filter((f: any) => f.id !== id);
};

type V = [string, ReturnType<typeof att>[], "pass" | "fail" | "error", RegExp];
const VARIANTS: V[] = [
  [
    "drydock-scan's report of the released SBOM",
    [SBOM, att(PREDICATE.vuln, scanFor(DIGEST))],
    "pass",
    /snapshot 2026-12-01\): 2 critical, 1 high/,
  ],
  [
    "low findings left out (only critical and high must be there)",
    [SBOM, att(PREDICATE.vuln, scanFor(DIGEST, drop("DRYDOCK-2026-0003")))],
    "pass",
    /2 critical, 1 high, 3 findings/,
  ],
  [
    "an older report before the newest one (the newest counts)",
    [SBOM, att(PREDICATE.vuln, scanFor(OTHER)), att(PREDICATE.vuln, scanFor(DIGEST))],
    "pass",
    /attached/,
  ],
  [
    "severities written in lower case",
    [
      SBOM,
      att(
        PREDICATE.vuln,
        scanFor(DIGEST, (d) => {
          for (const f of d.scanner.result.findings) f.severity = f.severity.toLowerCase();
        }),
      ),
    ],
    "pass",
    /2 critical/,
  ],
  [
    "the report of the :dev image attached to the release digest",
    [SBOM, att(PREDICATE.vuln, scanFor(OTHER))],
    "fail",
    /is for sha256:b2.*not sha256:a1/,
  ],
  [
    "the critical glibc finding deleted from the report",
    [SBOM, att(PREDICATE.vuln, scanFor(DIGEST, drop("DRYDOCK-2026-0001")))],
    "fail",
    /leaves out CRITICAL DRYDOCK-2026-0001 \(libc-bin\), CRITICAL DRYDOCK-2026-0001 \(libc6\)/,
  ],
  [
    "the high tar finding deleted",
    [SBOM, att(PREDICATE.vuln, scanFor(DIGEST, drop("DRYDOCK-2026-0002")))],
    "fail",
    /leaves out HIGH DRYDOCK-2026-0002 \(tar\)/,
  ],
  [
    "a hand-written report that names no snapshot",
    [
      SBOM,
      att(
        PREDICATE.vuln,
        scanFor(DIGEST, (d) => {
          delete d.scanner.result.snapshot;
          delete d.scanner.db;
        }),
      ),
    ],
    "fail",
    /does not say which advisory snapshot/,
  ],
  [
    "attached to another digest",
    [SBOM, att(PREDICATE.vuln, scanFor(DIGEST), OTHER)],
    "fail",
    /another subject/,
  ],
  ["no scan attached", [SBOM], "fail", /No vulnerability report/],
  [
    "a snapshot Drydock does not have",
    [
      SBOM,
      att(
        PREDICATE.vuln,
        scanFor(DIGEST, (d) => {
          d.scanner.result.snapshot.date = "2025-01-01";
        }),
      ),
    ],
    "error",
    /no advisory snapshot of 2025-01-01/,
  ],
  ["no SBOM to compare with", [att(PREDICATE.vuln, scanFor(DIGEST))], "error", /no CycloneDX SBOM/],
];

describe("supply.scan", () => {
  it.each(VARIANTS)("%s", (_what, list, status, summary) => {
    const r = evaluateScan(release({ attestations: { found: true, value: list } }), loadSnapshot);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
  it("the shipped snapshot is dated, scoped and never live", () => {
    const s = loadSnapshot("2026-12-01");
    expect(s?.drydock_snapshot.live).toBe(false);
    expect(s?.drydock_snapshot.scope).toMatch(/node:20-slim/);
  });
});
