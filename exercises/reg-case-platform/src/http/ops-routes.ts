import type { Pool } from "../db.ts";
import type { Metrics } from "../metrics.ts";
import { type Redis, withTimeout } from "../redis.ts";
import type { Route } from "./router.ts";

const checkTimeoutMs = 1_000;

/**
 * /health answers "is the process alive?" and touches nothing else, so a database outage does
 * not get healthy replicas restarted. /ready answers "can it serve traffic now?".
 */
export function opsRoutes(deps: {
  pool: Pool;
  redis: Redis;
  metrics: Metrics;
  isDraining: () => boolean;
}): Route[] {
  return [
    { method: "GET", path: "/health", handler: () => ({ status: 200, body: { status: "ok" } }) },
    {
      method: "GET",
      path: "/ready",
      handler: async () => {
        if (deps.isDraining()) return { status: 503, body: { status: "shutting_down" } };
        const [postgres, redis] = await Promise.all([
          probe(() => deps.pool.query("SELECT 1")),
          probe(() => deps.redis.ping()),
        ]);
        const ready = postgres === "ok" && redis === "ok";
        return {
          status: ready ? 200 : 503,
          body: { status: ready ? "ready" : "not_ready", checks: { postgres, redis } },
        };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      handler: async () => ({
        status: 200,
        text: await deps.metrics.registry.metrics(),
        headers: { "content-type": deps.metrics.registry.contentType },
      }),
    },
  ];
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(checkTimeoutMs, "check", check());
    return "ok";
  } catch (error) {
    return `error: ${(error as Error).message || "unreachable"}`;
  }
}
