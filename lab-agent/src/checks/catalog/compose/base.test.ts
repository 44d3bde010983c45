import { describe, expect, it } from "vitest";
import { evaluateBase } from "./base.ts";
import { facts, params } from "./test-support.ts";

const variants: Array<[name: string, variant: string, status: "pass" | "fail", summary: RegExp]> = [
  [
    "the reference",
    "reference",
    "pass",
    /one image \(registry:5000\/reg-case-platform:dev\), built from reg-case-platform\//,
  ],
  [
    "YAML anchors and merge keys (x-app: &app, <<: *app), build: . short form",
    "anchors",
    "pass",
    /one image/,
  ],
  ["worker and migrate from extends: { file: common.yml, service: app }", "extends", "pass", /one image/],
  [
    "postgres and redis in data.yml through include:",
    "include",
    "pass",
    /declares api, worker, migrate, postgres, redis/,
  ],
  [
    "image and password from .env (APP_IMAGE, POSTGRES_PASSWORD:? in the file)",
    "env-file",
    "pass",
    /registry:5000\/reg-case-platform:1\.0\.0/,
  ],
  ["api without command: (the image's CMD is api)", "image-cmd-api", "pass", /each with its own command/],
  ['worker as command: ["node", "dist/main.js", "worker"]', "node-command", "pass", /one image/],
  ["the seed's own layout (build target, develop.watch, mailhog)", "seed-layout", "pass", /one image/],
  [
    "worker and migrate each build: . with a tag of their own",
    "two-tags",
    "fail",
    /each build their own image/,
  ],
  [
    "build: . everywhere and no image: (Compose names three images)",
    "builds-without-image",
    "fail",
    /each build their own image .*reg-case-api/,
  ],
  ["no build: anywhere (up --build builds nothing)", "no-build", "fail", /no app service has build:/],
  [
    'worker copied from api, still command: ["api"]',
    "same-command",
    "fail",
    /worker runs api, not the worker mode/,
  ],
  ["no worker service", "no-worker", "fail", /does not declare worker/],
  [
    "no name: (the project is named after its folder)",
    "no-name",
    "fail",
    /named reg-case-platform, not reg-case/,
  ],
  [
    "imagee: a typo Compose rejects (its own message)",
    "typo",
    "fail",
    /Additional property imagee is not allowed/,
  ],
  [
    "POSTGRES_PASSWORD:? required and no .env (Compose's interpolation error)",
    "env-missing",
    "fail",
    /required variable POSTGRES_PASSWORD is missing a value/,
  ],
  ["no compose.yml at all (a fresh lab)", "no-files", "fail", /There is no reg-case-platform\/compose\.yml/],
];

describe("compose.base", () => {
  it.each(variants)("%s → %s", (_name, variant, status, summary) => {
    const r = evaluateBase(facts(variant), params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    if (r.status === "pass") expect(r.evidence.length).toBeGreaterThan(0);
  });
  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v[2] === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v[2] === "fail").length).toBeGreaterThanOrEqual(4);
  });
});
