import { describe, expect, it } from "vitest";
import { mirrorFromSources } from "../../src/images/apt-mirror.ts";

describe("mirrorFromSources", () => {
  it("reads the main archive from deb822 sources, skipping security", () => {
    const text = [
      "Types: deb",
      "URIs: http://mirror.example/debian-security",
      "Suites: bookworm-security",
      "Components: main",
      "",
      "Types: deb",
      "URIs: http://mirror.example/debian",
      "Suites: bookworm bookworm-updates",
      "Components: main",
    ].join("\n");
    expect(mirrorFromSources(text)).toBe("http://mirror.example/debian");
  });

  it("skips disabled and source-only stanzas", () => {
    const text = [
      "Types: deb-src",
      "URIs: http://src.example/debian",
      "Suites: bookworm",
      "",
      "Types: deb",
      "URIs: http://off.example/debian",
      "Suites: bookworm",
      "Enabled: no",
    ].join("\n");
    expect(mirrorFromSources(text)).toBeUndefined();
  });

  it("reads one-line sources.list entries, with options", () => {
    const text = [
      "# a comment",
      "deb http://security.example/debian-security bookworm-security main",
      "deb [arch=amd64] http://mirror.example/debian/ bookworm main",
    ].join("\n");
    expect(mirrorFromSources(text)).toBe("http://mirror.example/debian/");
  });
});
