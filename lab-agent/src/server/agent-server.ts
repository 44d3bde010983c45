import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { CheckService } from "../checks/check-service.ts";
import { DrydockError, ErrorCode, toDrydockError } from "../common/errors.ts";
import type { LabId } from "../lab/lab-names.ts";
import { PracticeRecorder } from "../progress/practice-recorder.ts";
import type { Watermarks } from "../terminal/flow-control.ts";
import { SessionRegistry, type TerminalLimits } from "../terminal/session-registry.ts";
import type { TerminalLauncher } from "../terminal/terminal-launcher.ts";
import { handleTerminalSocket, type TerminalScopes } from "../terminal/terminal-socket.ts";
import { dockerLabStarter } from "../workshop/docker-lab-starter.ts";
import { type LabStarter, LearnerLabs } from "../workshop/learner-labs.ts";
import { Roster, WrongCodeThrottle } from "../workshop/roster.ts";
import { handleApi } from "./api-routes.ts";
import {
  ANONYMOUS_CREDENTIAL,
  credentialOf,
  isAuthenticated,
  learnerCredential,
  TOKEN_CREDENTIAL,
} from "./auth.ts";
import { HTTP_STATUS, sendError } from "./http-json.ts";
import { LabScopes } from "./lab-scopes.ts";
import { RefusalLog } from "./refusal-log.ts";
import { hostAllowed, originAllowed, type RequestGuard, requestGuard } from "./request-guard.ts";
import { parseTarget, safePath } from "./request-target.ts";
import { setSecurityHeaders } from "./security-headers.ts";
import { serveStatic } from "./static-files.ts";
import { type TicketGrant, TicketStore } from "./tickets.ts";
import { leadOnly } from "./workshop-routes.ts";

export const TERMINAL_SOCKET_PATH = "/ws/terminal";
/** Largest WebSocket message: a 32 Ki-character paste in JSON fits; anything bigger is closed with 1009. */
export const MAX_WS_PAYLOAD = 128 * 1024;
/** Open WebSockets at once, authenticated or still waiting for their hello. */
export const MAX_SOCKETS = 64;
/** Check event streams open at once per credential (a browser allows ~6 per origin anyway). */
export const MAX_EVENT_STREAMS = 8;

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
  /** No engine, no lab (`drydock start --no-lab`): nothing watches the lab. */
  noLab?: boolean;
  limits?: TerminalLimits;
  watermarks?: Watermarks;
  /**
   * Starts and removes workshop learners' labs: by default the host engine's (none with
   * `noLab`); a test may pass one with `noLab` to run the workshop's labs without the lead's.
   */
  learnerLabs?: LabStarter;
  /** How often the workshop's labs are reaped and the warm pool topped up (default 30 s). */
  workshopTickMs?: number;
  /** How terminals' processes start, in every lab (default `docker exec`); tests pass a fake. */
  terminalLauncher?: TerminalLauncher;
}

export interface AgentServer {
  port: number;
  /** e.g. http://127.0.0.1:4600 */
  origin: string;
  registry: SessionRegistry;
  close(): Promise<void>;
}

const EVENTS_PATH = /^\/api\/checks\/([^/]+)\/events\/?$/;

/** One port: the built site, the JSON API under /api/, and terminal WebSockets at /ws/terminal. */
export async function startAgentServer(opts: AgentServerOptions): Promise<AgentServer> {
  const { log, token } = opts;
  const refusals = new RefusalLog(log);
  const tickets = new TicketStore();
  const registry = new SessionRegistry({
    hostDocker: opts.docker,
    lab: opts.lab,
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.watermarks ? { watermarks: opts.watermarks } : {}),
    ...(opts.terminalLauncher ? { launcher: opts.terminalLauncher } : {}),
    onEvent: (e) => log.info({ terminal: e.id, node: e.node }, `terminal ${e.kind}`),
  });
  const lifecycle = {};
  const eventStreams = new Map<string, number>();
  // Checks: the store opens now; the swarm history recorder and live re-runs start once listening.
  const checks = new CheckService({ docker: opts.docker, lab: opts.lab, home: opts.home });
  const practice = new PracticeRecorder(opts.home, opts.lab);
  // The workshop (if `drydock workshop start` made one): read from DRYDOCK_HOME when it changes.
  const roster = new Roster(opts.home);
  const starter = opts.learnerLabs ?? (opts.noLab ? undefined : dockerLabStarter(opts.docker));
  const labs = starter
    ? new LearnerLabs({
        roster,
        home: opts.home,
        starter,
        progress: checks.store,
        warn: (message, fields) => log.warn(fields ?? {}, message),
      })
    : undefined;
  const workshop = { roster, throttle: new WrongCodeThrottle(), ...(labs ? { labs } : {}) };
  // Which lab each credential acts on: the token the lead's (this agent's), a learner their own.
  const scopes = new LabScopes({
    lead: { lab: opts.lab, registry, checks, practice },
    roster,
    docker: opts.docker,
    home: opts.home,
    learnersHaveLabs: labs !== undefined,
    ...(opts.graceMs !== undefined ? { graceMs: opts.graceMs } : {}),
    ...(opts.terminalLauncher ? { launcher: opts.terminalLauncher } : {}),
    onTerminalEvent: (e) => log.info({ terminal: e.id, node: e.node }, `terminal ${e.kind}`),
  });
  const terminals: TerminalScopes = {
    registryFor(credential) {
      const scope = scopes.forCredential(credential);
      const { learner } = scope;
      const onInput = learner
        ? () => {
            scope.practice.terminalInput();
            // Typing is activity even before any block is known (the roster's state, and reaping).
            void roster.touch(learner, "activity");
          }
        : scope.practice.terminalInput;
      return { registry: scope.registry, onInput };
    },
    watchable(credential, terminalId) {
      leadOnly(credential);
      return scopes.anyTerminal(terminalId).session;
    },
  };
  let guard: RequestGuard = requestGuard(opts.host, opts.port);
  let port = opts.port;

  const server = createServer((req, res) => {
    setSecurityHeaders(res);
    handleHttp(req, res).catch((err) => {
      const error = toDrydockError(err);
      if (error.code === ErrorCode.internal) {
        log.error({ err, method: req.method, path: safePath(req.url) }, "request failed");
      }
      sendError(res, error);
    });
  });
  // A malformed request line or header never reaches the handler: answer 400 ourselves, log nothing of it.
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
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
    refusals.warn(
      `${kind}:${error.code}`,
      {
        kind,
        code: error.code,
        method: req.method,
        path: safePath(req.url),
        host: req.headers.host?.slice(0, 100),
        origin: req.headers.origin?.slice(0, 100),
      },
      `refused ${kind}: ${error.message}`,
    );

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let refused = refusal(req);
    let url: URL | undefined;
    if (!refused) {
      try {
        url = parseTarget(req.url);
      } catch (err) {
        refused = toDrydockError(err);
      }
    }
    if (refused || !url) {
      const error = refused ?? unauthorized();
      logRefusal(req, error, "request");
      return sendError(res, error);
    }
    if (url.pathname.startsWith("/api/")) {
      const credential = authenticateApi(req, url);
      if (credential instanceof DrydockError) {
        logRefusal(req, credential, "request");
        return sendError(res, credential);
      }
      return handleApi(req, res, url, {
        docker: opts.docker,
        lab: opts.lab,
        home: opts.home,
        version: opts.version,
        registry,
        log,
        lifecycle,
        checks,
        practice,
        tickets,
        credential,
        workshop,
        scopes,
        eventStreams,
        maxEventStreams: MAX_EVENT_STREAMS,
      });
    }
    // Pages are the course's public docs: no credential is needed, and none is accepted from a URL.
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

  /**
   * The credential behind an API request: the Bearer token, or (for an event stream only,
   * which a browser cannot send headers on) a single-use ticket in `?ticket=`, removed from
   * the URL here so no later code sees it.
   */
  function authenticateApi(req: IncomingMessage, url: URL): string | DrydockError {
    const ticket = url.searchParams.get("ticket");
    if (ticket !== null) {
      url.searchParams.delete("ticket");
      const m = EVENTS_PATH.exec(url.pathname);
      if (!m || req.method !== "GET") {
        return new DrydockError(ErrorCode.unauthorized, "Tickets open event streams and terminals only.", {
          hint: "Send `Authorization: Bearer <token>` on other requests.",
        });
      }
      try {
        // The path was checked by parseTarget, so decoding cannot throw; a bad block simply never matches.
        const expected = { purpose: "check-events", block: decodeURIComponent(m[1] ?? "") } as TicketGrant;
        return tickets.redeem(ticket, expected).credential;
      } catch (err) {
        return toDrydockError(err);
      }
    }
    if (isAuthenticated(req, token)) return TOKEN_CREDENTIAL;
    const presented = credentialOf(req);
    if (presented !== undefined) {
      try {
        const learner = workshop.roster.learnerFor(presented);
        if (learner) return learnerCredential(learner.id);
      } catch (err) {
        return toDrydockError(err);
      }
    }
    // Joining a workshop is how a learner gets a credential: that route alone takes none (and
    // ignores a stale one, say a previous event's, so the page can simply join again).
    if (req.method === "POST" && url.pathname.replace(/\/+$/, "") === "/api/workshop/join") {
      return ANONYMOUS_CREDENTIAL;
    }
    return unauthorized();
  }

  // Checked here, before the WebSocket exists: Host, exact Origin, path, the socket cap, and
  // a wrong Authorization header. The credential itself is the ticket in the first frame.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD, perMessageDeflate: false });
  let upgrading = 0;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    let error = refusal(req);
    if (!error && (req.url ?? "") !== TERMINAL_SOCKET_PATH) {
      error = new DrydockError(
        ErrorCode.notFound,
        `WebSockets are served at ${TERMINAL_SOCKET_PATH} only, with no query.`,
        {
          hint: "Connect without a query; the ticket goes in the first frame.",
        },
      );
    }
    if (!error && req.headers.authorization !== undefined && !isAuthenticated(req, token))
      error = unauthorized();
    if (!error && wss.clients.size + upgrading >= MAX_SOCKETS) {
      error = new DrydockError(
        ErrorCode.tooMany,
        `Too many open terminal sockets (at most ${MAX_SOCKETS}).`,
        {
          hint: "Close some terminal tabs, then try again.",
        },
      );
    }
    if (error) {
      logRefusal(req, error, "websocket");
      return refuseUpgrade(socket, error);
    }
    // Counted from now until the socket is a client (or the handshake failed and it closed).
    upgrading++;
    let counted = true;
    const settled = () => {
      if (counted) upgrading--;
      counted = false;
    };
    socket.once("close", settled);
    wss.handleUpgrade(req, socket, head, (ws) => {
      settled();
      handleTerminalSocket(ws, { terminals, log, tickets, refusals });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => reject(listenError(err, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  }).catch((err: unknown) => {
    checks.close();
    practice.close();
    throw err;
  });
  if (!opts.noLab) void checks.watch();
  // Reaping and the warm pool run whether or not an event exists yet (a round with none is a no-op).
  labs?.start(opts.workshopTickMs);
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
      await scopes.closeAll();
      // No new round starts. A lab still starting is not waited for (that can take minutes): its
      // record stays "provisioning" and the next agent's first round starts it again.
      labs?.stop();
      await workshop.roster.flush().catch(() => {});
      checks.close();
      practice.close();
      for (const client of wss.clients) client.close(1001, "the agent is stopping");
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
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
