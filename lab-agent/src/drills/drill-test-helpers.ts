import { expect } from "vitest";
import type { DrillItem } from "./drill-types.ts";

/** A drill's unit-table row: exactly these items fail, exactly these are errors, every pass has evidence. */
export function expectVerdicts(items: readonly DrillItem[], fails: string[], errors: string[]): void {
  const why = items.map((i) => `${i.id}: ${i.status} ${i.summary}`).join("\n");
  expect(
    items.filter((i) => i.status === "fail").map((i) => i.id),
    why,
  ).toEqual(fails);
  expect(
    items.filter((i) => i.status === "error").map((i) => i.id),
    why,
  ).toEqual(errors);
  for (const i of items.filter((x) => x.status === "pass"))
    expect(i.evidence.length, i.id).toBeGreaterThan(0);
}
