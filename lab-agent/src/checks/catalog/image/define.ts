import { type CheckDefinition, defineCheck, type Trigger } from "../../check-definition.ts";

/**
 * Check-engine v2 shape (PLAN.md): `watches` instead of `triggers`, kind "probe" instead of
 * "drill". Until the core branch's defineCheck takes it, this maps it onto today's definition;
 * at merge, replace `defineImageCheck` by `defineCheck` and delete this file.
 */
export interface Watches<P> {
  objects: readonly Trigger[];
  images?: (params: P) => string[];
  files?: (params: P) => string[];
}

type V2<P, F> = Omit<CheckDefinition<P, F>, "triggers" | "kind"> & {
  kind: "snapshot" | "probe" | "history";
  watches: Watches<P>;
};

export function defineImageCheck<P, F>(def: V2<P, F>): CheckDefinition<P, F> & { watches: Watches<P> } {
  const triggers = new Set<Trigger>(def.watches.objects);
  if (def.watches.images) triggers.add("image");
  if (def.watches.files) triggers.add("workspace");
  const { watches, kind, ...rest } = def;
  return {
    ...defineCheck({ ...rest, kind: kind === "probe" ? "drill" : kind, triggers: [...triggers] }),
    watches,
  };
}
