import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Attestation, PublicKey, ReleaseFacts, Signature } from "./shared.ts";

export const FIXTURES = join(import.meta.dirname, "fixtures");
export const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

export const COMMIT = "3f9c2e1a7b4d5c6e8f9012345678901234567890";
export const DIGEST = `sha256:${"a1".repeat(32)}`;
export const OTHER = `sha256:${"b2".repeat(32)}`;
export const EVIDENCE = "reg-case-platform/ops/releases/1.0.0.yaml";

/** The recorded drydock-sbom output (node:20-slim + the starter app), re-pointed at `digest`. */
export function sbomFor(digest: string, edit: (d: any) => void = () => {}): unknown {
  const d = fixture("sbom.cdx.json");
  d.metadata.component.version = digest;
  edit(d);
  return d;
}
/** The recorded drydock-scan report, re-pointed at `digest`. */
export function scanFor(digest: string, edit: (d: any) => void = () => {}): unknown {
  const d = fixture("scan.json");
  d.scanner.result.subject.digest = digest;
  edit(d);
  return d;
}
export function provenance(edit: (d: any) => void = () => {}): unknown {
  const d = fixture("provenance.json");
  d.buildDefinition.externalParameters.source.digest.gitCommit = COMMIT;
  d.buildDefinition.resolvedDependencies[0].digest.gitCommit = COMMIT;
  edit(d);
  return d;
}

export const KEY_PATH = "reg-case-platform/ops/keys/cosign.pub";
/** The recorded cosign.pub that signed fixtures/cosign-attestations.json (key A). */
export const KEY: PublicKey = {
  path: KEY_PATH,
  from: "evidence",
  pem: { found: true, value: fixture("cosign-attestations.json").keyA },
};
export const VERIFIED: Signature = { verified: true };
export const OTHER_KEY: Signature = {
  verified: false,
  why: `its signature does not verify with ${KEY_PATH} (signed with another key, or changed after signing)`,
};

export const att = (
  predicateType: string,
  predicate: unknown,
  subject = DIGEST,
  signature: Signature = VERIFIED,
): Attestation => ({
  predicateType,
  subjects: [subject],
  predicate,
  signature,
});

export function evidenceFile(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    release: "1.0.0",
    commit: COMMIT,
    image: "registry:5000/reg-case-platform",
    tags: ["sha-3f9c2e1a7b4d", "1.0.0-rc.1", "1.0.0"],
    digest: DIGEST,
    dockerfile: "reg-case-platform/Dockerfile",
    build_command: "docker build --build-arg VERSION=1.0.0 -t … .",
    sbom: { file: "ops/releases/1.0.0.sbom.cdx.json" },
    provenance: { file: "ops/releases/1.0.0.provenance.json" },
    scan: { report: "ops/releases/1.0.0.scan.json", result: "2 critical, 1 high" },
    integration_test: "passed",
    stack_file: "reg-case-platform/stack.yml at 3f9c2e1",
    timestamp: "2026-12-01T10:00:00Z",
    rollback: "redeploy the previous digest",
    public_key: "ops/keys/cosign.pub",
    ...over,
  };
}

export function release(
  over: Partial<ReleaseFacts> & { evidenceOver?: Record<string, unknown> } = {},
): ReleaseFacts {
  const { evidenceOver, ...rest } = over;
  return {
    evidencePath: EVIDENCE,
    evidence: { found: true, value: evidenceFile(evidenceOver) },
    registry: {
      found: true,
      value: { dev: OTHER, "sha-3f9c2e1a7b4d": DIGEST, "1.0.0-rc.1": DIGEST, "1.0.0": DIGEST },
    },
    git: { head: COMMIT, commitKnown: true },
    attestations: { found: true, value: [] },
    key: KEY,
    ...rest,
  };
}
