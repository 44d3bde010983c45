import { describe, expect, it } from "vitest";
import type { CheckDefinition } from "../../check-definition.ts";
import { readOnlyReady } from "../runtime/readonly-healthy.ts";
import { cacheOrder } from "./cache-order.ts";
import { healthcheck } from "./healthcheck.ts";
import { ociLabels } from "./labels-oci.ts";
import { multiStage } from "./multistage.ts";

describe("image checks' shared parameters", () => {
  it("a Dockerfile check re-runs on its Dockerfile (a file edit) and its image (a rebuild or re-tag)", () => {
    const watched = <P, F>(check: CheckDefinition<P, F>) => {
      const p = check.params.parse({ dockerfile: "app/Dockerfile.prod", image: "registry:5000/app:rc" });
      return [check.watches.objects, check.watches.files?.(p), check.watches.images?.(p)];
    };
    for (const w of [watched(cacheOrder), watched(multiStage), watched(ociLabels)])
      expect(w).toEqual([["image"], ["app/Dockerfile.prod"], ["registry:5000/app:rc"]]);
  });

  it("both probes that start the api give it the same unreachable dependencies, unless told otherwise", () => {
    const env = (check: typeof healthcheck | typeof readOnlyReady, given = {}) =>
      (check.params.parse(given) as { env: Record<string, string> }).env;
    expect(env(healthcheck)).toEqual({
      DATABASE_URL: "postgres://drydock-check@127.0.0.1:1/none",
      REDIS_URL: "redis://127.0.0.1:1/0",
    });
    expect(env(readOnlyReady)).toEqual(env(healthcheck));
    expect(env(readOnlyReady, { env: { DATABASE_URL: "postgres://x@db/y" } })).toEqual({
      DATABASE_URL: "postgres://x@db/y",
    });
    expect(() => env(healthcheck, { env: { "bad name": "x" } })).toThrow();
  });
});
