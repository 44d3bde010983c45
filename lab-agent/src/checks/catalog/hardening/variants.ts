import { expect, it } from "vitest";
import type { CheckOutcome } from "../../check-result.ts";
import type { HardeningFacts, HardeningParams } from "./review.ts";
import { benchOf, factsWith, PARAMS, recorded, type Variant } from "./test-support.ts";

/** Runs a check's variant table: our verdict, and docker-bench's on the same containers. */
export function runVariants(
  variants: Variant[],
  evaluate: (f: HardeningFacts, p: HardeningParams) => CheckOutcome,
  facts: (v: Variant) => HardeningFacts = (v) => factsWith([recorded(v[1], v[2])]),
) {
  it.each(variants)("%s", (...v) => {
    const [, , , status, summary, bench] = v;
    const r = evaluate(facts(v), PARAMS);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    if (!bench) return;
    const b = benchOf(r, bench.id);
    expect(b, `docker-bench ${bench.id} evidence`).toBeDefined();
    expect(b?.result).toBe(bench.result);
    expect(b?.agrees, JSON.stringify(b)).toBe(!bench.differs);
    if (bench.differs) expect((b?.differs ?? []).join("\n")).toMatch(bench.differs);
  });
}
