import { composeChecks } from "./catalog/compose/index.ts";
import { hardeningChecks } from "./catalog/hardening/index.ts";
import { harnessChecks } from "./catalog/harness/index.ts";
import { imageChecks } from "./catalog/image/index.ts";
import { incidentChecks } from "./catalog/incident/index.ts";
import { modelChecks } from "./catalog/model/index.ts";
import { networkChecks } from "./catalog/network/index.ts";
import { reviewChecks } from "./catalog/review/index.ts";
import { rolloutChecks } from "./catalog/rollout/index.ts";
import { runtimeChecks } from "./catalog/runtime/index.ts";
import { supplyChecks } from "./catalog/supply/index.ts";
import { swarmChecks } from "./catalog/swarm/index.ts";
import type { CheckDefinition } from "./check-definition.ts";

/**
 * A check of any parameter and fact types: the runner parses params with the check's own
 * schema and hands its own facts back to it, so the types meet inside each definition.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; each entry is fully typed where it is defined.
export type AnyCheck = CheckDefinition<any, any>;

/** Each area's checks (`catalog/<area>/index.ts`); an area added to the course adds its array here. */
const AREAS: ReadonlyArray<readonly AnyCheck[]> = [
  modelChecks,
  imageChecks,
  runtimeChecks,
  networkChecks,
  composeChecks,
  harnessChecks,
  supplyChecks,
  swarmChecks,
  rolloutChecks,
  hardeningChecks,
  incidentChecks,
  reviewChecks,
];

/** Every check an exercise may name, by id. Two checks with one id are a bug, found at load. */
export const CHECKS: ReadonlyMap<string, AnyCheck> = byId(AREAS.flat());

function byId(checks: readonly AnyCheck[]): Map<string, AnyCheck> {
  const map = new Map<string, AnyCheck>();
  for (const c of checks) {
    if (map.has(c.id)) throw new Error(`two checks have the id ${c.id}`);
    map.set(c.id, c);
  }
  return map;
}
