import type { WorkerConfig } from "../config.ts";
import { createPool } from "../db.ts";
import { type ExitCode as Code, ExitCode } from "../errors.ts";
import { queueDepth } from "../events.ts";
import { opsRoutes } from "../http/ops-routes.ts";
import { createHttpServer, type HttpServer } from "../http/server.ts";
import { type Logger, safeUrl } from "../logger.ts";
import { createMetrics } from "../metrics.ts";
import { createRedis } from "../redis.ts";
import { shutdownSignal } from "../signals.ts";
import { createConsumer } from "../worker/consumer.ts";
import { listenOrExplain } from "./api.ts";

export async function runWorker(config: WorkerConfig, log: Logger): Promise<Code> {
  const signal = shutdownSignal();
  const { stream, group } = config.events;
  const pool = createPool({ url: config.database.url, max: 4, name: "reg-case-worker", log });
  const redis = createRedis({ url: config.redis.url, name: "reg-case-worker", log });
  const reader = redis.duplicate();
  reader.on("error", () => {}); // reported through `redis`'s listener; both share one server
  redis.connect().catch(() => {});
  reader.connect().catch(() => {});

  const metrics = createMetrics("worker", { readQueueDepth: () => queueDepth(redis, stream, group) });
  // The worker serves only /health, /ready and /metrics: enough for a healthcheck and a scrape.
  const http: HttpServer = createHttpServer({
    routes: opsRoutes({ pool, redis, metrics, isDraining: () => http.draining }),
    metrics,
    log,
  });
  const port = await listenOrExplain(http, config.http.host, config.http.port);
  log.info(
    {
      consumer: config.worker.consumer,
      stream,
      group,
      port,
      database: safeUrl(config.database.url),
      redis: safeUrl(config.redis.url),
    },
    "worker started",
  );

  const consumer = createConsumer({ config, pool, redis, reader, metrics, log });
  const loop = consumer.run(() => signal.stopping);
  const received = await signal.received;
  log.info({ signal: received }, "shutting down: finishing the current batch");
  // The loop notices within WORKER_BLOCK_MS; an unfinished batch is simply redelivered later.
  const finished = await Promise.race([
    loop.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), config.shutdownTimeoutMs)),
  ]);
  await http.drain(1_000);
  await Promise.allSettled([pool.end(), redis.close(), reader.close()]);
  log.info({ finished }, "stopped");
  return ExitCode.ok;
}
