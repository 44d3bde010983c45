import type { z } from "zod";
import type { CheckContext, CheckDefinition, Trigger } from "../../check-definition.ts";
import type { CheckOutcome } from "../../check-result.ts";

/**
 * TEMPORARY bridge (lead: delete this file once core's check-definition.ts has `watches` and the
 * "probe" kind, and import `defineCheck` from there instead): the swarm checks are written in the
 * v2 shape of PLAN.md and mapped onto today's CheckDefinition (`triggers`, kind "drill").
 */
export interface Watches<P> {
  objects: readonly Exclude<Trigger, "workspace">[];
  images?: (params: P) => string[];
  files?: (params: P) => string[];
}

export interface CheckDefinitionV2<P, F> {
  id: string;
  title: string;
  kind: "snapshot" | "probe" | "history";
  params: z.ZodType<P>;
  watches: Watches<P>;
  collect(ctx: CheckContext, params: P): Promise<F>;
  evaluate(facts: F, params: P): CheckOutcome;
}

export function defineCheck<P, F>(
  def: CheckDefinitionV2<P, F>,
): CheckDefinition<P, F> & { watches: Watches<P> } {
  const { kind, ...rest } = def;
  return {
    ...rest,
    kind: kind === "probe" ? "drill" : kind,
    triggers: [...def.watches.objects, ...(def.watches.files ? (["workspace"] as const) : [])],
  };
}
