import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import { artifactFromCommand, type LeanFacts } from "../../collectors/image-lean.ts";
import { evaluateLean } from "./runtime-lean.ts";
import { fixture, reference } from "./test-support.ts";

const IMAGE: ImageRecord = { ref: "registry:5000/reg-case-platform:dev", ...reference() };
/** What the collector read from the lab's reference image (recorded). */
const REF: LeanFacts = JSON.parse(fixture("image.runtime.lean", "reference.facts.json"));

function facts(change: (f: LeanFacts) => void): LeanFacts {
  const f = structuredClone(REF);
  change(f);
  return f;
}

/** [what it models, facts read from the image, status, summary]. */
const VARIANTS: Array<[string, LeanFacts, "pass" | "fail", RegExp]> = [
  ["the reference: dist, production modules, empty apt lists", REF, "pass", /none of its 3 dev dependencies/],
  [
    "a bundle with no node_modules and no package.json",
    facts((f) => {
      f.manifest = null;
      f.artifact = { path: "/app/server.mjs", how: "named by ENTRYPOINT/CMD" };
      f.present = { "/app/server.mjs": true, "/usr/bin/gcc": false };
    }),
    "pass",
    /server.mjs/,
  ],
  [
    "WORKDIR /usr/src/app (docker init)",
    facts((f) => {
      f.manifest = { path: "/usr/src/app/package.json", devDependencies: ["eslint"] };
      f.artifact = { path: "/usr/src/app/dist/main.js", how: "x" };
      f.present = { "/usr/src/app/dist/main.js": true, "/usr/src/app/node_modules/eslint": false };
    }),
    "pass",
    /none of its 1 dev/,
  ],
  [
    "a cache folder that exists but is empty (npm cache clean --force)",
    facts((f) => {
      f.caches["/home/node/.npm/_cacache"] = { exists: true };
    }),
    "pass",
    /no package caches/,
  ],
  [
    "npm prune forgotten: typescript and tsc ship",
    facts((f) => {
      f.present["/app/node_modules/typescript"] = true;
      f.present["/app/node_modules/.bin/tsc"] = true;
    }),
    "fail",
    /dev dependencies: typescript/,
  ],
  [
    "only @types/* left (npm ci without --omit=dev in a deps stage)",
    facts((f) => {
      f.present["/app/node_modules/@types/node"] = true;
    }),
    "fail",
    /dev dependencies: @types\/node/,
  ],
  [
    "build-essential installed in the runtime stage",
    facts((f) => {
      f.present["/usr/bin/gcc"] = true;
      f.present["/usr/bin/make"] = true;
    }),
    "fail",
    /build tools: \/usr\/bin\/gcc, \/usr\/bin\/make/,
  ],
  [
    "npm cache left in the image user's home",
    facts((f) => {
      f.caches["/home/node/.npm/_cacache"] = { exists: true, match: "index-v5/00/ab/cd" };
    }),
    "fail",
    /package caches: \/home\/node\/.npm\/_cacache/,
  ],
  [
    "apt-get install without rm -rf /var/lib/apt/lists/*",
    facts((f) => {
      f.caches["/var/lib/apt/lists"] = {
        exists: true,
        match: "deb.debian.org_debian_dists_trixie_InRelease",
      };
    }),
    "fail",
    /\/var\/lib\/apt\/lists/,
  ],
  [
    "not the app's runtime image (no artifact)",
    facts((f) => {
      f.present["/app/dist/main.js"] = false;
    }),
    "fail",
    /not in the image/,
  ],
];

describe("image.runtime.lean", () => {
  it.each(VARIANTS)("%s", (_what, f, status, summary) => {
    const r = evaluateLean(IMAGE, f);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it.each([
    [["node", "dist/main.js"], ["api"], "/app", "/app/dist/main.js"],
    [["node", "--enable-source-maps", "/srv/server.mjs"], [], "/app", "/srv/server.mjs"],
    [["docker-entrypoint.sh"], ["npm", "start"], "/app", "/app/dist/main.js"],
  ])("finds the artifact in ENTRYPOINT %j CMD %j", (entrypoint, cmd, workdir, path) => {
    const r = reference().inspect;
    const img: ImageRecord = {
      ref: "x",
      inspect: { ...r, Config: { ...r.Config, Entrypoint: entrypoint, Cmd: cmd, WorkingDir: workdir } },
    };
    expect(artifactFromCommand(img, "dist/main.js").path).toBe(path);
  });
});
