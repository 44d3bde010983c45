import { composeBase } from "./base.ts";
import { composeDbPrivate } from "./db-private.ts";
import { composeDevOverride } from "./dev-override.ts";
import { composeHardened } from "./hardened.ts";
import { composeHealthGated } from "./health-gated.ts";
import { composeMigrateOneShot } from "./migrate-oneshot.ts";
import { composeProfiles } from "./profiles.ts";
import { composeStackHealthy } from "./stack-healthy.ts";

export const composeChecks = [
  composeBase,
  composeDevOverride,
  composeHealthGated,
  composeMigrateOneShot,
  composeHardened,
  composeDbPrivate,
  composeProfiles,
  composeStackHealthy,
] as const;
