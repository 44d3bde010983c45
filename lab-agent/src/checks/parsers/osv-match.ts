import { compareDebianVersions, compareSemver } from "./debian-version.ts";

/** A package as an SBOM lists it (CycloneDX component or SPDX package with its purl). */
export interface SbomPackage {
  name: string;
  version: string;
  purl: string;
  /** Debian: the source package (OSV's Debian records name source packages). */
  source?: string;
}

export interface Finding {
  id: string;
  severity: string;
  package: string;
  version: string;
  aliases?: string[];
}

interface Record_ {
  id: string;
  affected: Array<{
    package: { ecosystem: string; name: string };
    ranges?: Array<{ events: Array<Record<string, string>> }>;
  }>;
  database_specific?: { severity?: string };
}

/** OSV range evaluation: events in order, `introduced` opens, `fixed` closes, `last_affected` closes after. */
export function inRange(
  version: string,
  events: Array<Record<string, string>>,
  cmp: (a: string, b: string) => number,
): boolean {
  let affected = false;
  for (const e of events) {
    if (e.introduced !== undefined && (e.introduced === "0" || cmp(version, e.introduced) >= 0))
      affected = true;
    if (e.fixed !== undefined && cmp(version, e.fixed) >= 0) affected = false;
    if (e.last_affected !== undefined && cmp(version, e.last_affected) > 0) affected = false;
  }
  return affected;
}

export function matchAdvisories(packages: readonly SbomPackage[], records: readonly Record_[]): Finding[] {
  const out = new Map<string, Finding>();
  for (const r of records) {
    for (const a of r.affected) {
      const deb = a.package.ecosystem.startsWith("Debian");
      const npm = a.package.ecosystem === "npm";
      for (const p of packages) {
        const kind = p.purl.startsWith("pkg:deb/") ? "deb" : p.purl.startsWith("pkg:npm/") ? "npm" : "";
        if (deb ? kind !== "deb" : npm ? kind !== "npm" : true) continue;
        const names = deb ? [p.name, p.source ?? p.name] : [p.name];
        if (!names.includes(a.package.name)) continue;
        const cmp = deb ? compareDebianVersions : compareSemver;
        if ((a.ranges ?? []).some((range) => inRange(p.version, range.events, cmp))) {
          const f = {
            id: r.id,
            severity: (r.database_specific?.severity ?? "UNKNOWN").toUpperCase(),
            package: p.name,
            version: p.version,
          };
          out.set(`${f.id} ${f.package} ${f.version}`, f);
        }
      }
    }
  }
  return [...out.values()];
}

/** The packages of a CycloneDX or SPDX document. */
export function sbomPackages(doc: unknown): SbomPackage[] {
  const d = doc as {
    components?: Array<{
      name?: string;
      version?: string;
      purl?: string;
      properties?: Array<{ name: string; value: string }>;
    }>;
    packages?: Array<{
      name?: string;
      versionInfo?: string;
      externalRefs?: Array<{ referenceType?: string; referenceLocator?: string }>;
    }>;
  };
  if (Array.isArray(d?.components)) {
    return d.components
      .filter((c) => c.purl && c.name && c.version)
      .map((c) => {
        const source = c.properties?.find(
          (x) => x.name === "drydock:deb-source" || x.name === "aquasecurity:trivy:SrcName",
        )?.value;
        return {
          name: c.name as string,
          version: c.version as string,
          purl: c.purl as string,
          ...(source ? { source } : {}),
        };
      });
  }
  if (Array.isArray(d?.packages)) {
    return d.packages.flatMap((p) => {
      const purl = p.externalRefs?.find((r) => r.referenceType === "purl")?.referenceLocator;
      return purl && p.name && p.versionInfo ? [{ name: p.name, version: p.versionInfo, purl }] : [];
    });
  }
  return [];
}

/** What a document says it describes: CycloneDX metadata.component (its version, a digest) or SPDX's first package. */
export function sbomSubjectDigest(doc: unknown): string | undefined {
  const d = doc as {
    metadata?: { component?: { version?: string } };
    packages?: Array<{ versionInfo?: string }>;
  };
  const find = (x: unknown) => /sha256(?::|%3A)([0-9a-f]{64})/.exec(JSON.stringify(x ?? null))?.[1];
  const hex =
    find(d?.metadata?.component?.version) ??
    find(d?.packages?.[0]?.versionInfo) ??
    find(d?.metadata?.component) ??
    find(d?.packages?.[0]);
  return hex ? `sha256:${hex}` : undefined;
}
