import { defineCheck } from "../../check-definition.ts";
import type { CheckOutcome } from "../../check-result.ts";
import { collectHardening, type HardeningFacts, HardeningParams } from "./review.ts";

/** A hardening check: it reads the shared review (one read per run) and judges one deliverable. */
export function hardeningCheck(
  id: string,
  title: string,
  evaluate: (facts: HardeningFacts, p: HardeningParams) => CheckOutcome,
) {
  return defineCheck({
    id,
    title,
    kind: "snapshot",
    // Tasks replaced, a container run on laptop, a node restarted with other daemon options.
    watches: { objects: ["container", "service", "node", "secret"] },
    params: HardeningParams,
    collect: (ctx, p) => collectHardening(ctx, p),
    evaluate,
  });
}
