import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../../common/paths.ts";
import { type AppDependencies, appDependencies, evaluateSbom } from "./sbom.ts";
import { PREDICATE } from "./shared.ts";
import { att, DIGEST, OTHER, release, sbomFor } from "./test-support.ts";

const starter = join(repoRoot, "exercises", "reg-case-platform");
/** The starter app's real production dependencies, at the versions its lockfile locks. */
const APP = appDependencies(
  readFileSync(join(starter, "package.json"), "utf8"),
  readFileSync(join(starter, "package-lock.json"), "utf8"),
);
const noNpm = (d: any) => {
  d.components = d.components.filter((c: any) => !c.purl?.startsWith("pkg:npm/"));
};
const noDeb = (d: any) => {
  d.components = d.components.filter((c: any) => !c.purl?.startsWith("pkg:deb/"));
};
const spdx = {
  spdxVersion: "SPDX-2.3",
  name: `registry:5000/reg-case-platform@${DIGEST}`,
  packages: [
    {
      name: "reg-case-platform",
      versionInfo: DIGEST,
      externalRefs: [
        {
          referenceType: "purl",
          referenceLocator: `pkg:oci/reg-case-platform@${DIGEST.replace(":", "%3A")}`,
        },
      ],
    },
    {
      name: "libc6",
      versionInfo: "2.41-12+deb13u5",
      externalRefs: [
        { referenceType: "purl", referenceLocator: "pkg:deb/debian/libc6@2.41-12%2Bdeb13u5?arch=amd64" },
      ],
    },
    ...Object.entries(APP.found ? APP.deps : {}).map(([n, v]) => ({
      name: n,
      versionInfo: v,
      externalRefs: [{ referenceType: "purl", referenceLocator: `pkg:npm/${n.replace("@", "%40")}@${v}` }],
    })),
  ],
};

type V = [string, ReturnType<typeof att>[], AppDependencies, "pass" | "fail" | "error", RegExp];
const VARIANTS: V[] = [
  [
    "drydock-sbom of the released digest",
    [att(PREDICATE.cyclonedx, sbomFor(DIGEST))],
    APP,
    "pass",
    /\d+ Debian and \d+ npm packages/,
  ],
  ["an SPDX SBOM with purls", [att(PREDICATE.spdx, spdx)], APP, "pass", /1 Debian and 5 npm/],
  [
    "an old SBOM attached beside the right one",
    [att(PREDICATE.cyclonedx, sbomFor(OTHER)), att(PREDICATE.cyclonedx, sbomFor(DIGEST))],
    APP,
    "pass",
    /attached/,
  ],
  [
    "the app has no dependencies of its own",
    [att(PREDICATE.cyclonedx, sbomFor(DIGEST))],
    { found: true, deps: {} },
    "pass",
    /every dependency/,
  ],
  [
    "the SBOM of the :dev image attached to the release digest",
    [att(PREDICATE.cyclonedx, sbomFor(OTHER))],
    APP,
    "fail",
    /describes sha256:b2.*not sha256:a1/,
  ],
  [
    "an OS-only SBOM (trivy-cdxgen, image scanner)",
    [att(PREDICATE.cyclonedx, sbomFor(DIGEST, noNpm))],
    APP,
    "fail",
    /no npm package/,
  ],
  [
    "an npm-only SBOM (cyclonedx-npm on the source tree)",
    [att(PREDICATE.cyclonedx, sbomFor(DIGEST, noDeb))],
    APP,
    "fail",
    /no Debian package/,
  ],
  [
    "an SBOM from before pg was upgraded",
    [
      att(
        PREDICATE.cyclonedx,
        sbomFor(DIGEST, (d) => {
          for (const c of d.components) if (c.name === "pg") c.version = "8.11.0";
        }),
      ),
    ],
    APP,
    "fail",
    /pg 8\.11\.0 is not the locked/,
  ],
  [
    "a dependency missing (SBOM of another project)",
    [
      att(
        PREDICATE.cyclonedx,
        sbomFor(DIGEST, (d) => {
          d.components = d.components.filter((c: any) => c.name !== "zod");
        }),
      ),
    ],
    APP,
    "fail",
    /zod is not in it/,
  ],
  [
    "attached to the wrong digest",
    [att(PREDICATE.cyclonedx, sbomFor(OTHER), OTHER)],
    APP,
    "fail",
    /another subject/,
  ],
  ["only provenance attached", [att(PREDICATE.slsa1, {})], APP, "fail", /No SBOM attestation/],
  [
    "the lockfile cannot be read",
    [att(PREDICATE.cyclonedx, sbomFor(DIGEST))],
    { found: false, reason: "the app has no package.json" },
    "error",
    /Can't tell/,
  ],
];

describe("supply.sbom", () => {
  it("the starter app's dependencies are read from its lockfile", () => {
    expect(APP.found && Object.keys(APP.deps)).toEqual(["@redis/client", "pg", "pino", "prom-client", "zod"]);
  });
  it.each(VARIANTS)("%s", (_what, list, app, status, summary) => {
    const r = evaluateSbom(release({ attestations: { found: true, value: list } }), app);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
  it("no attestation at all", () => {
    const r = evaluateSbom(
      release({ attestations: { found: false, reason: `no attestation is attached to ${DIGEST}` } }),
      APP,
    );
    expect(r.status).toBe("fail");
  });
});
