import { describe, expect, it } from "vitest";
import {
  allowedTransitions,
  type CaseStatus,
  checkTransition,
  CaseStatus as Status,
} from "../../src/lifecycle.ts";

const all = Status.options;

describe("case lifecycle", () => {
  it("allows exactly the documented moves", () => {
    const allowed = all.flatMap((from) =>
      all.filter((to) => checkTransition(from, to).ok).map((to) => `${from}→${to}`),
    );
    expect(allowed.sort()).toEqual(
      [
        "open→investigating",
        "open→closed",
        "investigating→enforcement",
        "investigating→closed",
        "enforcement→closed",
      ].sort(),
    );
  });

  it("walks the happy path open → investigating → enforcement → closed", () => {
    const path: CaseStatus[] = ["open", "investigating", "enforcement", "closed"];
    for (let i = 1; i < path.length; i++) {
      expect(checkTransition(path[i - 1] as CaseStatus, path[i] as CaseStatus)).toEqual({ ok: true });
    }
  });

  it("rejects skipping a step, and says what is allowed", () => {
    const check = checkTransition("open", "enforcement");
    expect(check).toMatchObject({ ok: false, reason: "not_allowed", allowed: ["investigating", "closed"] });
    if (!check.ok)
      expect(check.message).toBe(
        "a case cannot move from open to enforcement (allowed: investigating, closed)",
      );
  });

  it("rejects going backwards", () => {
    expect(checkTransition("enforcement", "investigating")).toMatchObject({
      ok: false,
      reason: "not_allowed",
    });
  });

  it("treats closed as final", () => {
    for (const to of all) {
      expect(checkTransition("closed", to)).toMatchObject({ ok: false, allowed: [] });
    }
    expect(checkTransition("closed", "open")).toMatchObject({ reason: "final" });
  });

  it("rejects a move to the current status as unchanged", () => {
    expect(checkTransition("investigating", "investigating")).toMatchObject({
      ok: false,
      reason: "unchanged",
      message: "the case is already investigating",
    });
  });

  it("lists every status in the table", () => {
    expect(Object.keys(allowedTransitions).sort()).toEqual([...all].sort());
  });
});
