import { expect, it } from "vitest";
import type { CheckOutcome } from "../../check-result.ts";
import type { ComposeProjectFacts } from "../../collectors/compose-project.ts";

export type Variant = [
  name: string,
  facts: () => ComposeProjectFacts,
  status: "pass" | "fail" | "error",
  summary: RegExp,
];

/** One variant table: each row's status and summary, a pass with evidence, ≥ 4 right and ≥ 4 wrong. */
export function table(variants: Variant[], evaluate: (f: ComposeProjectFacts) => CheckOutcome) {
  it.each(variants)("%s → %s", (_n, f, status, summary) => {
    const r = evaluate(f());
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    if (r.status === "pass") expect(r.evidence.length).toBeGreaterThan(0);
  });
  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v[2] === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v[2] === "fail").length).toBeGreaterThanOrEqual(4);
  });
}
