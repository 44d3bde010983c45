import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import { type BaseLabels, evaluateOciLabels } from "./labels-oci.ts";
import { fixture, reference } from "./test-support.ts";

const REQUIRED = ["org.opencontainers.image.title", "org.opencontainers.image.source"];
/** The lab's node:20-slim labels, recorded from its registry. */
const NODE: BaseLabels = {
  ref: "node:20-slim",
  labels: JSON.parse(fixture("image.labels.oci", "node20slim.labels.json")),
};
const T = "org.opencontainers.image.title";
const S = "org.opencontainers.image.source";

function image(labels: Record<string, string>): ImageRecord {
  const r = reference().inspect;
  return {
    ref: "registry:5000/reg-case-platform:dev",
    inspect: { ...r, Config: { ...r.Config, Labels: labels } },
  };
}
const own = reference().inspect.Config.Labels as Record<string, string>;

/** [what it models, labels on the image, base image labels, status, summary]. */
const VARIANTS: Array<[string, Record<string, string>, BaseLabels, "pass" | "fail" | "error", RegExp]> = [
  ["the reference's LABEL over node:20-slim's own labels", own, NODE, "pass", /title="reg-case-platform"/],
  [
    "labels from docker build --label, git@ source",
    { ...NODE.labels, [T]: "case-api", [S]: "git@git.example.internal:platform/case.git" },
    NODE,
    "pass",
    /case-api/,
  ],
  [
    "a FROM scratch image with both labels",
    { [T]: "case-api", [S]: "https://github.com/acme/case-api" },
    { ref: "scratch", labels: {} },
    "pass",
    /case-api/,
  ],
  [
    "labels set, the base has none of them",
    { [T]: "x", [S]: "ssh://git@host/x.git" },
    { ref: "debian:trixie-slim", labels: {} },
    "pass",
    /own/,
  ],
  [
    "no LABEL: only node:20-slim's inherited title",
    NODE.labels,
    NODE,
    "fail",
    /title \(inherited from node:20-slim\).*source \(missing\)/,
  ],
  ["own title, no source", { ...NODE.labels, [T]: "case-api" }, NODE, "fail", /source \(missing\)/],
  [
    "source is a repo name, not a URL",
    { [T]: "case-api", [S]: "platform/reg-case-platform" },
    NODE,
    "fail",
    /not a repository URL/,
  ],
  [
    "source left as the template's placeholder",
    { [T]: "case-api", [S]: "https://github.com/<org>/<repo>" },
    NODE,
    "fail",
    /placeholder/,
  ],
  [
    'LABEL title="" (an empty ARG)',
    { [T]: "", [S]: "https://github.com/acme/case" },
    NODE,
    "fail",
    /title \(empty\)/,
  ],
  [
    "only legacy label-schema labels",
    { "org.label-schema.name": "case", "org.label-schema.vcs-url": "https://x/y" },
    NODE,
    "fail",
    /missing/,
  ],
  [
    "labels present but the base could not be read",
    own,
    { ref: "ghcr.io/acme/node:20", reason: "its base image is in another registry" },
    "error",
    /Can't tell.*another registry/,
  ],
];

describe("image.labels.oci", () => {
  it.each(VARIANTS)("%s", (_what, labels, base, status, summary) => {
    const r = evaluateOciLabels(image(labels), base, REQUIRED);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it("fails a missing label even when the base is unknown", () => {
    expect(
      evaluateOciLabels(image({ [T]: "x" }), { ref: null, reason: "no Dockerfile" }, REQUIRED).status,
    ).toBe("fail");
  });
});
