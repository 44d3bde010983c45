import { describe, expect, it } from "vitest";
import { evaluateProvenance } from "./provenance.ts";
import { PREDICATE } from "./shared.ts";
import { att, COMMIT, DIGEST, OTHER, provenance, release } from "./test-support.ts";

/** BuildKit's mode=max provenance (SLSA v0.2) as `docker buildx build --provenance` writes it. */
const buildkit = (commit: string, builder = "https://github.com/docker/buildx@v0.17") => ({
  builder: { id: builder },
  buildType: "https://mobyproject.org/buildkit@v1",
  materials: [{ uri: "pkg:docker/node@20-slim?platform=linux%2Famd64", digest: { sha256: "c".repeat(64) } }],
  invocation: {
    configSource: {
      uri: "https://git.example.internal/platform/reg-case-platform.git",
      digest: { sha1: commit },
      entryPoint: "Dockerfile",
    },
  },
});

type V = [string, ReturnType<typeof att>[], "pass" | "fail", RegExp];
const VARIANTS: V[] = [
  [
    "drydock-provenance, SLSA v1",
    [att(PREDICATE.slsa1, provenance())],
    "pass",
    /built by https:\/\/drydock\.invalid\/builders/,
  ],
  [
    "BuildKit's SLSA v0.2 provenance with a git context",
    [att(PREDICATE.slsa02, buildkit(COMMIT))],
    "pass",
    /built by https:\/\/github\.com\/docker\/buildx/,
  ],
  [
    "the source named only by a resolved dependency",
    [
      att(
        PREDICATE.slsa1,
        provenance((d) => {
          d.buildDefinition.externalParameters.source = {};
        }),
      ),
    ],
    "pass",
    /git\+file/,
  ],
  ["a short commit in v0.2", [att(PREDICATE.slsa02, buildkit(COMMIT.slice(0, 12)))], "pass", /from https/],
  [
    "made from a tree with uncommitted changes",
    [
      att(
        PREDICATE.slsa1,
        provenance((d) => {
          d.buildDefinition.externalParameters.source.dirty = true;
        }),
      ),
    ],
    "fail",
    /uncommitted changes/,
  ],
  [
    "the previous commit's provenance re-attached",
    [
      att(
        PREDICATE.slsa1,
        provenance((d) => {
          d.buildDefinition.externalParameters.source.digest.gitCommit = "0".repeat(40);
          d.buildDefinition.resolvedDependencies[0].digest.gitCommit = "0".repeat(40);
        }),
      ),
    ],
    "fail",
    /is not the evidence's/,
  ],
  [
    "BuildKit with a local context: no source commit",
    [att(PREDICATE.slsa02, { ...buildkit(COMMIT), invocation: {}, materials: [] })],
    "fail",
    /no source repository.*no source commit/,
  ],
  ["no builder named", [att(PREDICATE.slsa02, buildkit(COMMIT, ""))], "fail", /names no builder/],
  [
    "a hand-written predicate with a placeholder builder",
    [
      att(
        PREDICATE.slsa1,
        provenance((d) => {
          d.runDetails.builder.id = "<builder>";
        }),
      ),
    ],
    "fail",
    /names no builder/,
  ],
  ["attached to another digest", [att(PREDICATE.slsa1, provenance(), OTHER)], "fail", /another subject/],
  ["only the SBOM attached", [att(PREDICATE.cyclonedx, {})], "fail", /No provenance attestation/],
];

describe("supply.provenance", () => {
  it.each(VARIANTS)("%s", (_what, list, status, summary) => {
    const r = evaluateProvenance(release({ attestations: { found: true, value: list } }));
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
  it("names the digest it traces", () => {
    expect(
      evaluateProvenance(
        release({ attestations: { found: true, value: [att(PREDICATE.slsa1, provenance())] } }),
      ).summary,
    ).toContain(DIGEST);
  });
});
