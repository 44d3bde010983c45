import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compareDebianVersions, compareSemver } from "./debian-version.ts";

/** Pairs from the lab's library images and dpkg's own test suite (t/dpkg_version.t). */
const PAIRS: Array<[string, string]> = [
  ["1:1.3.dfsg+really1.3.1-1+deb13u1", "1:1.3.dfsg+really1.3.1-1"],
  ["1:1.3.dfsg+really1.3.1-1", "1.3.1-1"],
  ["3.5.9-1~deb13u1", "3.5.9-1"],
  ["3.5.9-1~deb13u1", "3.3.2-1"],
  ["2.41-12+deb13u5", "2.41-12"],
  ["1.35+dfsg-3.1", "1.35+dfsg-3"],
  ["1.0~rc1", "1.0"],
  ["1.0~~", "1.0~"],
  ["1.0a", "1.0"],
  ["1.0+b1", "1.0"],
  ["1.0-1", "1.0"],
  ["0:1.0", "1.0"],
  ["1.10", "1.9"],
  ["1.001", "1.1"],
  ["20.19.2+dfsg-1+deb13u3", "20.19.2+dfsg-1+deb13u10"],
  ["2:6.3.0+dfsg-3", "6.3.1"],
  ["a", "B"],
  ["1.0.", "1.0"],
];

const sign = (n: number) => (n < 0 ? "lt" : n > 0 ? "gt" : "eq");
function dpkg(a: string, b: string): "lt" | "eq" | "gt" {
  for (const op of ["lt", "eq"] as const) {
    try {
      execFileSync("dpkg", ["--compare-versions", a, op, b]);
      return op;
    } catch {}
  }
  return "gt";
}
const hasDpkg = (() => {
  try {
    execFileSync("dpkg", ["--version"]);
    return true;
  } catch {
    return false;
  }
})();

describe("Debian version ordering", () => {
  it.each(PAIRS)("%s vs %s is ordered as dpkg orders it", (a, b) => {
    const ours = sign(compareDebianVersions(a, b));
    expect(sign(compareDebianVersions(b, a))).toBe(ours === "lt" ? "gt" : ours === "gt" ? "lt" : "eq");
    if (hasDpkg) expect(ours).toBe(dpkg(a, b));
  });
  it("npm versions: pre-releases before releases, numeric parts numerically", () => {
    expect(compareSemver("8.16.3", "7.1.2")).toBeGreaterThan(0);
    expect(compareSemver("1.0.0-rc.1", "1.0.0")).toBeLessThan(0);
    expect(compareSemver("1.0.0-rc.10", "1.0.0-rc.9")).toBeGreaterThan(0);
    expect(compareSemver("1.10.0", "1.9.9")).toBeGreaterThan(0);
  });
});
