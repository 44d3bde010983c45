import { describe, expect, it } from "vitest";
import { evaluateCacheOrder } from "./cache-order.ts";
import { MANIFESTS, PM_FILES } from "./shared.ts";
import { build, fixture, historyOf, reference } from "./test-support.ts";

const ALLOWED = [...MANIFESTS, ...PM_FILES];
const df = (name: string) => fixture("dockerfile.cache-order", `${name}.Dockerfile`);

/** [what it models, Dockerfile fixture, stage the image came from (undefined: no image yet), status, summary]. */
const VARIANTS: Array<[string, string, string | number | undefined, "pass" | "fail" | "error", RegExp]> = [
  // right
  [
    "the reference: manifests, npm ci with a bind-mounted offline cache, then sources",
    "reference",
    "runtime",
    "pass",
    /1 install step/,
  ],
  [
    "docker init: manifests bind-mounted into npm ci, cache mount, COPY . . after",
    "docker-init",
    "final",
    "pass",
    /installed from the manifests alone/,
  ],
  [
    "JSON-array COPY of the manifests, ARG-expanded FROM",
    "arg-bases",
    "runtime",
    "pass",
    /installed from the manifests alone/,
  ],
  [
    "package*.json glob, apt-get and npm install -g before the install",
    "glob-manifests",
    1,
    "pass",
    /1 install step/,
  ],
  [
    'custom SHELL, exec-form RUN ["npm","ci"], .npmrc and --chown',
    "exec-form-shell",
    1,
    "pass",
    /1 install step/,
  ],
  [
    "an unused dev stage does it wrong; the image's stages do it right",
    "bad-unused-stage",
    "runtime",
    "pass",
    /1 install step/,
  ],
  [
    "Yarn Berry PnP: .yarnrc.yml, .yarn/, .pnp.cjs, install through sh -c",
    "yarn-berry-pnp",
    1,
    "pass",
    /1 install step/,
  ],
  // wrong
  [
    "the install in an exec-form bash -c, after COPY . .",
    "exec-sh-after-sources",
    1,
    "fail",
    /whole context/,
  ],
  ["COPY . . before npm ci", "copy-all-first", 1, "fail", /Line 4 \(COPY \., whole context\)/],
  ["*.json and src/ copied before the install", "glob-sources", 1, "fail", /COPY src, directory/],
  [
    "install binds the whole context (--mount=type=bind without source)",
    "bind-whole-context",
    1,
    "fail",
    /RUN --mount=type=bind/,
  ],
  [
    "the base stage copied everything before the deps stage's install",
    "source-in-base-stage",
    2,
    "fail",
    /Line 4 \(COPY \., whole context\).*stage "deps"/,
  ],
  [
    "runtime stage copies everything and installs again",
    "second-install-after-sources",
    "runtime",
    "fail",
    /stage "runtime"/,
  ],
  ["npm ci before any manifest", "install-without-manifests", 1, "fail", /before any manifest/],
  [
    "manifests, tsconfig.json and src in one JSON COPY",
    "tsconfig-and-src-first",
    1,
    "fail",
    /COPY src, directory/,
  ],
  [
    "node_modules copied from the laptop, no install at all",
    "no-install",
    0,
    "fail",
    /No dependency install/,
  ],
  [
    "a good file but the image is the dev stage (--target dev)",
    "bad-unused-stage",
    "dev",
    "fail",
    /whole context/,
  ],
];

describe("dockerfile.cache-order", () => {
  it.each(VARIANTS)("%s", (_what, name, stage, status, summary) => {
    const text = df(name);
    const result = evaluateCacheOrder(
      build(text, stage === undefined ? undefined : historyOf(text, stage)),
      ALLOWED,
    );
    expect(result.summary).toMatch(summary);
    expect(result.status).toBe(status);
  });

  it("judges the recorded reference image by its real history", () => {
    const r = evaluateCacheOrder(
      build(
        df("reference"),
        reference().history.map((h) => h.CreatedBy),
      ),
      ALLOWED,
    );
    expect(r.status).toBe("pass");
  });

  it("can't tell when the image came from another Dockerfile", () => {
    const r = evaluateCacheOrder(
      build(
        df("copy-all-first"),
        reference().history.map((h) => h.CreatedBy),
      ),
      ALLOWED,
    );
    expect(r.status).toBe("error");
  });
});
