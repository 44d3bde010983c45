import { describe, expect, it } from "vitest";
import { evaluateRegistryTags } from "./registry-tags.ts";
import { DIGEST, OTHER, release } from "./test-support.ts";

type V = [string, Parameters<typeof release>[0], "pass" | "fail" | "error", RegExp];
const REG = { "sha-3f9c2e1a7b4d": DIGEST, "1.0.0-rc.1": DIGEST, "1.0.0": DIGEST };
const VARIANTS: V[] = [
  [
    "the three promotion tiers at the recorded digest",
    {},
    "pass",
    /sha-3f9c2e1a7b4d, 1\.0\.0-rc\.1, 1\.0\.0, each at/,
  ],
  [
    "a 7-hex commit tag and an extra :prod marker",
    {
      evidenceOver: { tags: ["sha-3f9c2e1", "1.0.0-rc.2", "1.0.0", "prod"] },
      registry: {
        found: true,
        value: { "sha-3f9c2e1": DIGEST, "1.0.0-rc.2": DIGEST, "1.0.0": DIGEST, prod: DIGEST },
      },
    },
    "pass",
    /prod/,
  ],
  [
    "tags written as full references",
    {
      evidenceOver: {
        tags: "registry:5000/reg-case-platform:sha-3f9c2e1a7b4d, registry:5000/reg-case-platform:1.0.0-rc.1, registry:5000/reg-case-platform:1.0.0",
      },
    },
    "pass",
    /each at/,
  ],
  [
    "digest written as repo@sha256",
    { evidenceOver: { digest: `registry:5000/reg-case-platform@${DIGEST}` } },
    "pass",
    /each at/,
  ],
  [
    "the release tag moved after the evidence was written",
    { registry: { found: true, value: { ...REG, "1.0.0": OTHER } } },
    "fail",
    /1\.0\.0 moved/,
  ],
  [
    "built outside git: sha-nogit",
    {
      evidenceOver: { tags: ["sha-nogit", "1.0.0-rc.1", "1.0.0"] },
      registry: { found: true, value: { ...REG, "sha-nogit": DIGEST } },
    },
    "fail",
    /sha-nogit is no commit tag/,
  ],
  [
    "no release-candidate tier",
    { evidenceOver: { tags: ["sha-3f9c2e1a7b4d", "1.0.0"] } },
    "fail",
    /no release-candidate tag/,
  ],
  [
    "only :latest",
    { evidenceOver: { tags: ["latest"] }, registry: { found: true, value: { latest: DIGEST } } },
    "fail",
    /no commit tier.*no release tag/,
  ],
  [
    "the commit tag of an older commit",
    {
      evidenceOver: { tags: ["sha-0123456789ab", "1.0.0-rc.1", "1.0.0"] },
      registry: { found: true, value: { ...REG, "sha-0123456789ab": DIGEST } },
    },
    "fail",
    /is not the evidence's commit/,
  ],
  [
    "the rc tag never pushed",
    { registry: { found: true, value: { "sha-3f9c2e1a7b4d": DIGEST, "1.0.0": DIGEST } } },
    "fail",
    /1\.0\.0-rc\.1 is not in the registry/,
  ],
  ["no evidence file", { evidence: { found: false, reason: "no such file" } }, "fail", /no such file/],
  [
    "the registry does not answer",
    { registry: { found: false, reason: "the lab registry answered HTTP 503" } },
    "error",
    /Can't tell.*503/,
  ],
];

describe("supply.registry.tags", () => {
  it.each(VARIANTS)("%s", (_what, over, status, summary) => {
    const r = evaluateRegistryTags(release(over));
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
