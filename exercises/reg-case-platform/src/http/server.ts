import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isConnectionError, sqlState } from "../db.ts";
import { HttpError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { matchRoute, type Reply, type Route } from "./router.ts";

/** Routes polled by orchestrators and scrapers: logged at debug, or they would drown the log. */
const quietRoutes = new Set(["/health", "/ready", "/metrics"]);

export interface HttpServer {
  server: Server;
  listen(port: number, host: string): Promise<number>;
  /**
   * Stops accepting connections and waits for requests in flight, up to `timeoutMs`. Resolves
   * true when all of them finished, false when some had to be cut off.
   */
  drain(timeoutMs: number): Promise<boolean>;
  readonly draining: boolean;
}

export function createHttpServer(options: {
  routes: readonly Route[];
  metrics: Metrics;
  log: Logger;
}): HttpServer {
  const { routes, metrics, log } = options;
  let inFlight = 0;
  let draining = false;
  let onIdle: (() => void) | undefined;

  const server = createServer((req, res) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0) onIdle?.();
    });
    void handle(req, res);
  });
  // Reject slow or stuck clients instead of holding sockets forever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const incomingId = req.headers["x-request-id"];
    const requestId =
      typeof incomingId === "string" && /^[\w.-]{1,64}$/.test(incomingId) ? incomingId : randomUUID();
    const reqLog = log.child({ requestId });
    const url = new URL(req.url ?? "/", "http://app.invalid");
    const match = matchRoute(routes, req.method ?? "GET", url.pathname);
    const routeLabel = match.kind === "found" ? match.route.path : "unmatched";

    let reply: Reply;
    try {
      if (match.kind === "found") {
        reply = await match.route.handler({
          req,
          params: match.params,
          query: url.searchParams,
          log: reqLog,
        });
      } else if (match.kind === "wrong_method") {
        throw new HttpError(
          405,
          "method_not_allowed",
          `use ${match.allowed.join(" or ")} on ${url.pathname}`,
        );
      } else {
        throw new HttpError(404, "not_found", `no route for ${req.method} ${url.pathname}`);
      }
    } catch (error) {
      reply = errorReply(error, reqLog);
    }

    const headers: Record<string, string> = { "x-request-id": requestId, ...reply.headers };
    if (match.kind === "wrong_method") headers.allow = match.allowed.join(", ");
    // While draining, ask keep-alive clients to reconnect (to another replica) after this reply.
    if (draining) headers.connection = "close";
    let payload: string | undefined = reply.text;
    if (payload === undefined && reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers["content-type"] = "application/json; charset=utf-8";
    }
    res.writeHead(reply.status, headers);
    res.end(req.method === "HEAD" ? undefined : payload);

    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const method = req.method ?? "GET";
    metrics.httpRequests.inc({ method, route: routeLabel, status: String(reply.status) });
    metrics.httpDuration.observe({ method, route: routeLabel }, seconds);
    const line = {
      method,
      path: url.pathname,
      route: routeLabel,
      status: reply.status,
      ms: Math.round(seconds * 1000),
    };
    if (quietRoutes.has(routeLabel) && reply.status < 400) reqLog.debug(line, "request");
    else reqLog.info(line, "request");
  }

  return {
    server,
    get draining() {
      return draining;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address();
          resolve(typeof address === "object" && address ? address.port : port);
        });
      });
    },
    async drain(timeoutMs) {
      draining = true;
      // close() stops accepting and (Node 19+) closes idle keep-alive connections at once.
      server.close();
      server.closeIdleConnections();
      const finished =
        inFlight === 0 ||
        (await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          onIdle = () => {
            clearTimeout(timer);
            resolve(true);
          };
        }));
      server.closeAllConnections();
      return finished;
    },
  };
}

/** Maps an error to a reply; only HttpError messages reach the client verbatim. */
function errorReply(error: unknown, log: Logger): Reply {
  if (error instanceof HttpError) {
    if (error.status >= 500) log.warn({ code: error.code }, error.message);
    return { status: error.status, body: error.toJSON() };
  }
  if (isConnectionError(error) || sqlState(error) === "57014") {
    log.warn({ err: error }, "dependency unavailable");
    return {
      status: 503,
      body: new HttpError(503, "unavailable", "a backing service is unavailable; retry later").toJSON(),
      headers: { "retry-after": "1" },
    };
  }
  log.error({ err: error }, "unhandled error");
  return { status: 500, body: new HttpError(500, "internal", "internal error").toJSON() };
}
