import { createCaseService } from "../cases/service.ts";
import type { ApiConfig } from "../config.ts";
import { createPool } from "../db.ts";
import { type ExitCode as Code, ExitCode, FatalError } from "../errors.ts";
import { publishCaseEvent, queueDepth } from "../events.ts";
import { caseRoutes } from "../http/case-routes.ts";
import { opsRoutes } from "../http/ops-routes.ts";
import { createHttpServer, type HttpServer } from "../http/server.ts";
import { type Logger, safeUrl } from "../logger.ts";
import { createMetrics } from "../metrics.ts";
import { createRedis } from "../redis.ts";
import { shutdownSignal } from "../signals.ts";

export async function runApi(config: ApiConfig, log: Logger): Promise<Code> {
  const signal = shutdownSignal();
  const { stream, group } = config.events;
  const pool = createPool({
    url: config.database.url,
    max: config.database.poolMax,
    name: "reg-case-api",
    log,
  });
  const redis = createRedis({ url: config.redis.url, name: "reg-case-api", log });
  // Start even if Redis is down: /health stays green, /ready says what is missing, and the
  // client keeps reconnecting in the background.
  redis
    .connect()
    .catch((error: Error) => log.warn({ err: { message: error.message } }, "redis not reachable yet"));

  const metrics = createMetrics("api", { readQueueDepth: () => queueDepth(redis, stream, group) });
  const cases = createCaseService({
    pool,
    publish: async (event) => {
      await publishCaseEvent(redis, stream, event);
      metrics.eventsPublished.inc({ type: event.type });
    },
  });
  const http: HttpServer = createHttpServer({
    routes: [...opsRoutes({ pool, redis, metrics, isDraining: () => http.draining }), ...caseRoutes(cases)],
    metrics,
    log,
  });

  const port = await listenOrExplain(http, config.http.host, config.http.port);
  log.info(
    {
      host: config.http.host,
      port,
      database: safeUrl(config.database.url),
      redis: safeUrl(config.redis.url),
    },
    "api listening",
  );

  const received = await signal.received;
  log.info(
    { signal: received, timeoutMs: config.shutdownTimeoutMs },
    "shutting down: no new connections, draining requests",
  );
  const drained = await http.drain(config.shutdownTimeoutMs);
  await Promise.allSettled([pool.end(), redis.close()]);
  if (!drained) log.warn("some requests were still running at the shutdown deadline and were cut off");
  log.info({ drained }, "stopped");
  return drained ? ExitCode.ok : ExitCode.failure;
}

/** Listens, turning the usual failures into a message that says what to change. */
export async function listenOrExplain(http: HttpServer, host: string, port: number): Promise<number> {
  try {
    return await http.listen(port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "the port is already in use"
        : code === "EACCES"
          ? "ports below 1024 need root or CAP_NET_BIND_SERVICE; a non-root container should use APP_PORT=8080"
          : String((error as Error).message);
    throw new FatalError(`cannot listen on ${host}:${port}: ${why}`, ExitCode.unavailable, { cause: error });
  }
}
