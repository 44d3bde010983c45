import { DrydockError, ErrorCode } from "../common/errors.ts";
import { DRILL_IDS, type DrillId } from "../course/course-outline.ts";
import { badImageRollout } from "./bad-image-rollout.ts";
import { containerCrash } from "./container-crash.ts";
import type { DrillDefinition } from "./drill-types.ts";
import { nodeDrain } from "./node-drain.ts";
import { registryOutage } from "./registry-outage.ts";
import { resourcePressure } from "./resource-pressure.ts";
import { secretRotation } from "./secret-rotation.ts";

/** The six drills in the seed's order; one file each, its unit table beside it. */
export const DRILLS: Partial<Record<DrillId, DrillDefinition>> = {
  "container-crash": containerCrash,
  "bad-image-rollout": badImageRollout,
  "node-drain": nodeDrain,
  "secret-rotation": secretRotation,
  "resource-pressure": resourcePressure,
  "registry-outage": registryOutage,
} satisfies Record<DrillId, DrillDefinition>;

export function drillNamed(name: string | undefined): DrillDefinition {
  const def = name ? DRILLS[name as DrillId] : undefined;
  if (!def) {
    throw new DrydockError(
      ErrorCode.usage,
      name ? `There is no drill "${name}".` : "`drydock drill` needs a drill name.",
      { hint: `Drills: ${DRILL_IDS.filter((d) => DRILLS[d]).join(", ")}.` },
    );
  }
  return def;
}
