import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baseImage, libraryImages, seedImages, seedKey } from "../../src/images/image-definitions.ts";
import { seededRegistryHash } from "../../src/images/seeded-registry.ts";

const FROM_BASE = "$" + "{BASE_IMAGE}"; // the Dockerfile's own build-arg reference, literally

describe("library image definitions", () => {
  it("seed every tag the capstone uses, each once", () => {
    const keys = seedImages.map(seedKey);
    expect(keys).toEqual(
      expect.arrayContaining([
        "library/debian:trixie-slim",
        "library/node:20-slim",
        "library/postgres:17",
        "library/redis:8",
        "library/nginx:1.26",
        "library/busybox:latest",
        "prom/prometheus:v2.53.3",
      ]),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("are tagged locally by their first Docker Hub tag and seeded from their own build", () => {
    for (const def of libraryImages) {
      expect(def.repository).toBe(`drydock/${def.name.replace("/", "-")}`);
      expect(def.tag).toBe(def.hubTags[0]);
      const seeded = seedImages.filter((s) => s.source === def).map((s) => s.tag);
      expect(seeded).toEqual([...def.hubTags]);
    }
    expect(seedImages.find((s) => s.repository === "library/debian")?.source).toBe(baseImage);
  });

  it("are seeded under their Docker Hub repository: library/<name>, or prom/prometheus", () => {
    for (const def of libraryImages) {
      const expected = def.name === "library/prometheus" ? "prom/prometheus" : def.name;
      expect(def.hubRepository, def.name).toBe(expected);
      expect(new Set(seedImages.filter((s) => s.source === def).map((s) => s.repository))).toEqual(
        new Set([expected]),
      );
    }
  });

  it("build FROM the Drydock base passed as BASE_IMAGE (busybox: only its build stage), with no URLs", () => {
    for (const def of libraryImages) {
      const dockerfile = readFileSync(join(def.contextDir, "Dockerfile"), "utf8");
      const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
      expect(dockerfile, def.name).toMatch(/^ARG BASE_IMAGE=drydock\/debian:trixie$/m);
      expect(froms[0], def.name).toBe(FROM_BASE);
      expect(froms.at(-1), def.name).toBe(def.name === "library/busybox" ? "scratch" : FROM_BASE);
      // Packages come from the mirror debootstrap wrote into the base; no definition names a host.
      for (const file of readdirSync(def.contextDir)) {
        expect(readFileSync(join(def.contextDir, file), "utf8"), `${def.name}/${file}`).not.toMatch(
          /\w+:\/\//,
        );
      }
    }
  });
});

describe("seededRegistryHash", () => {
  const a = { seed: { repository: "library/redis", tag: "8" }, sourceId: "sha256:aaa" };
  const b = { seed: { repository: "library/nginx", tag: "1.26" }, sourceId: "sha256:bbb" };

  it("does not depend on the order of the seed list", () => {
    expect(seededRegistryHash("r1", [a, b])).toBe(seededRegistryHash("r1", [b, a]));
  });

  it("changes with the registry image, a source image, or the set of tags", () => {
    const hash = seededRegistryHash("r1", [a, b]);
    expect(seededRegistryHash("r2", [a, b])).not.toBe(hash);
    expect(seededRegistryHash("r1", [a, { ...b, sourceId: "sha256:ccc" }])).not.toBe(hash);
    expect(seededRegistryHash("r1", [a])).not.toBe(hash);
  });
});
