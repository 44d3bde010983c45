import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { CheckService } from "../checks/check-service.ts";
import { DrydockError, ErrorCode, toDrydockError } from "../common/errors.ts";
import type { LabId } from "../lab/lab-names.ts";
import type { Watermarks } from "../terminal/flow-control.ts";
import { SessionRegistry, type TerminalLimits } from "../terminal/session-registry.ts";
import { handleTerminalSocket } from "../terminal/terminal-socket.ts";
import { tokenMatches } from "./access-token.ts";
import { handleApi } from "./api-routes.ts";
import { isAuthenticated, sessionCookie } from "./auth.ts";
import { HTTP_STATUS, sendError } from "./http-json.ts";
import { hostAllowed, originAllowed, type RequestGuard, requestGuard } from "./request-guard.ts";
import { setSecurityHeaders } from "./security-headers.ts";
import { serveStatic } from "./static-files.ts";

export const TERMINAL_SOCKET_PATH = "/ws/terminal";
/** Largest WebSocket message: a 32 Ki-character paste in JSON fits; anything bigger is closed with 1009. */
export const MAX_WS_PAYLOAD = 128 * 1024;

export interface AgentServerOptions {
  host: string;
  port: number;
  token: string;
  docker: Docker;
  lab: LabId;
  home: string;
  version: string;
  log: Logger;
  /** The built site; when missing, `siteProblem` says why and pages answer 503 (the API still works). */
  siteDir?: string;
  siteProblem?: string;
  graceMs?: number;
  limits?: TerminalLimits;
  watermarks?: Watermarks;
}

export interface AgentServer {
  port: number;
  /** e.g. http://127.0.0.1:4600 */
  origin: string;
  registry: SessionRegistry;
  close(): Promise<void>;
}

/** One port: the built site, the JSON API under /api/, and terminal WebSockets at /ws/terminal. */
export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const { log, token } = opts;
  const registry = new SessionRegistry({
    hostDocker: opts.docker,
    lab: opts.lab,
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.watermarks ? { watermarks: opts.watermarks } : {}),
    onEvent: (e) => log.info({ terminal: e.id, node: e.node }, `terminal ${e.kind}`),
  });
  const lifecycle = {};
  // Checks: the store opens now; the swarm history recorder and live re-runs start once listening.
  const checks = new CheckService({ docker: opts.docker, lab: opts.lab, home: opts.home });
  let guard: RequestGuard = requestGuard(opts.host, opts.port);
  let port = opts.port;

  const server = createServer((req, res) => {
    setSecurityHeaders(res);
    handleHttp(req, res).catch((err) => {
      const error = toDrydockError(err);
      if (error.code === ErrorCode.internal) log.error({ err }, "request failed");
      sendError(res, error);
    });
  });

  const refusal = (req: IncomingMessage): DrydockError | undefined => {
    if (!hostAllowed(req, guard)) {
      return new DrydockError(
        ErrorCode.forbidden,
        "This agent only answers requests addressed to localhost.",
        {
          hint: `Open ${[...guard.origins][1]} (the Host header was not one of ${[...guard.hosts].join(", ")}).`,
        },
      );
    }
    if (!originAllowed(req, guard)) {
      return new DrydockError(ErrorCode.forbidden, "Requests from other web pages are refused.", {
        hint: "Use the Drydock page the agent serves itself.",
      });
    }
    return undefined;
  };
  const unauthorized = () =>
    new DrydockError(ErrorCode.unauthorized, "This needs Drydock's access token.", {
      hint: "Open the URL that `drydock start` printed (it carries the token), or send `Authorization: Bearer <token>`.",
    });
  const logRefusal = (req: IncomingMessage, error: DrydockError, kind: string) =>
    log.warn(
      {
        kind,
        code: error.code,
        method: req.method,
        path: pathOf(req),
        host: req.headers.host,
        origin: req.headers.origin,
      },
      `refused ${kind}: ${error.message}`,
    );

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refusal(req);
    if (refused) {
      logRefusal(req, refused, "request");
      return sendError(res, refused);
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const isPage = !url.pathname.startsWith("/api/");
    const presented = url.searchParams.get("token");
    if (presented !== null && isPage && (req.method === "GET" || req.method === "HEAD")) {
      if (!tokenMatches(presented, token)) {
        const error = unauthorized();
        logRefusal(req, error, "request");
        return sendError(res, error);
      }
      // Trade the token in the URL for a cookie, and drop it from the address bar.
      url.searchParams.delete("token");
      res.writeHead(303, {
        Location: `${url.pathname}${url.search}`,
        "Set-Cookie": sessionCookie(port, token),
        "Cache-Control": "no-store",
      });
      res.end();
      return;
    }
    if (!isAuthenticated(req, port, token)) {
      const error = unauthorized();
      logRefusal(req, error, "request");
      return sendError(res, error);
    }
    if (!isPage) {
      return handleApi(req, res, url, {
        docker: opts.docker,
        lab: opts.lab,
        home: opts.home,
        version: opts.version,
        registry,
        log,
        lifecycle,
        checks,
      });
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      throw new DrydockError(ErrorCode.usage, `${req.method} is not allowed on pages.`);
    }
    if (!opts.siteDir) {
      res.writeHead(503, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
      res.end(
        `The course site is not available: ${opts.siteProblem ?? "it was not built"}.\nThe API under /api/ works.\n`,
      );
      return;
    }
    serveStatic(opts.siteDir, url.pathname, res, req.method === "HEAD");
  }

  // Every check happens here, before the WebSocket exists: Host, exact Origin, token, path.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD, perMessageDeflate: false });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let error = refusal(req);
    if (!error && !isAuthenticated(req, port, token)) error = unauthorized();
    if (!error && pathOf(req) !== TERMINAL_SOCKET_PATH) {
      error = new DrydockError(ErrorCode.notFound, `WebSockets are served at ${TERMINAL_SOCKET_PATH} only.`);
    }
    if (error) {
      logRefusal(req, error, "websocket");
      return refuseUpgrade(socket, error);
    }
    wss.handleUpgrade(req, socket, head, (ws) => handleTerminalSocket(ws, { registry, log }));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(listenError(err, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  }).catch((err: unknown) => {
    checks.close();
    throw err;
  });
  void checks.watch();
  const address = server.address();
  port = typeof address === "object" && address ? address.port : opts.port;
  guard = requestGuard(opts.host, port);
  const shownHost = opts.host === "0.0.0.0" || opts.host === "::" ? "127.0.0.1" : opts.host;
  const origin = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`;
  log.info({ origin }, "agent listening");

  return {
    port,
    origin,
    registry,
    async close() {
      await registry.closeAll();
      checks.close();
      for (const client of wss.clients) client.close(1001, "the agent is stopping");
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? "/").split("?")[0] ?? "/";
}

function refuseUpgrade(socket: Duplex, error: DrydockError): void {
  const status = HTTP_STATUS[error.code];
  const body = JSON.stringify({ error: error.toJSON() });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function listenError(err: NodeJS.ErrnoException, host: string, port: number): DrydockError {
  if (err.code === "EADDRINUSE") {
    return new DrydockError(ErrorCode.conflict, `Port ${port} on ${host} is already taken.`, {
      hint: "Stop whatever uses it (another `drydock start`?), or choose another port with --port (0 picks a free one).",
    });
  }
  if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") {
    return new DrydockError(ErrorCode.usage, `Cannot listen on ${host}: no such address on this machine.`, {
      hint: "Leave --host out (127.0.0.1), or pass an address this machine has.",
    });
  }
  if (err.code === "EACCES") {
    return new DrydockError(ErrorCode.conflict, `Not allowed to listen on port ${port}.`, {
      hint: "Choose a port above 1023 with --port.",
    });
  }
  return toDrydockError(err);
}
