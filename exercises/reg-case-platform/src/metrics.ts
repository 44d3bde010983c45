import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per process: Prometheus scrapes each replica and adds its own instance label. */
export function createMetrics(
  mode: string,
  options: { readQueueDepth?: () => Promise<{ waiting: number; pending: number }> } = {},
) {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "reg-case-platform", mode });
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    httpRequests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by route template and status code.",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from request to response, by route template.",
      labelNames: ["method", "route"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    eventsPublished: new Counter({
      name: "case_events_published_total",
      help: "Case events published to the Redis Stream, by type.",
      labelNames: ["type"] as const,
      registers: [registry],
    }),
    eventsProcessed: new Counter({
      name: "case_events_processed_total",
      help: "Case events handled by the worker: written, duplicate (already audited) or dead_letter.",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "case_events_queue_depth",
      help: "Case events not yet audited: waiting (not delivered) and pending (delivered, not acknowledged).",
      labelNames: ["state"] as const,
      registers: [registry],
      // Read from Redis on each scrape; prom-client awaits an async collect().
      async collect() {
        if (!options.readQueueDepth) return;
        try {
          const depth = await options.readQueueDepth();
          this.set({ state: "waiting" }, depth.waiting);
          this.set({ state: "pending" }, depth.pending);
        } catch {
          // Redis unreachable: an empty gauge beats a stale number.
          this.reset();
        }
      },
    }),
  };
}
