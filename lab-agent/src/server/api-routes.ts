import type { IncomingMessage, ServerResponse } from "node:http";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { z } from "zod";
import type { CheckService } from "../checks/check-service.ts";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import type { Progress } from "../common/progress.ts";
import { type LabContext, labDown, labReset, labUp } from "../lab/lab-lifecycle.ts";
import type { LabId } from "../lab/lab-names.ts";
import { labStatus } from "../lab/lab-status.ts";
import { formSwarm } from "../lab/lab-swarm.ts";
import { swarmView } from "../lab/swarm-view.ts";
import type { PracticeRecorder } from "../progress/practice-recorder.ts";
import { Cols, Rows, TerminalId, TerminalNode } from "../terminal/protocol.ts";
import type { SessionRegistry } from "../terminal/session-registry.ts";
import { handleCheckRoutes } from "./check-routes.ts";
import { handleDrillRoutes } from "./drill-routes.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";
import type { LabScopes } from "./lab-scopes.ts";
import { streamProgress } from "./progress-stream.ts";
import { handleQuizRoutes } from "./quiz-routes.ts";
import { handleScoreRoutes } from "./score-routes.ts";
import { TicketGrant, type TicketStore } from "./tickets.ts";
import { handleWorkshopRoutes, leadOnly, type WorkshopRouteContext } from "./workshop-routes.ts";

export interface ApiContext {
  docker: Docker;
  lab: LabId;
  home: string;
  version: string;
  registry: SessionRegistry;
  log: Logger;
  /** The lifecycle step running now: one at a time, or two `up`s would fight over the containers. */
  lifecycle: { busyWith?: string };
  checks: CheckService;
  /** Practice time: terminal input and the block page's heartbeat. */
  practice: PracticeRecorder;
  tickets: TicketStore;
  /**
   * Who is asking: the token (TOKEN_CREDENTIAL), a workshop learner (`learner:<id>`), or nobody
   * (ANONYMOUS_CREDENTIAL, on the join route only). Caps and tickets are per credential.
   */
  credential: string;
  /** The workshop's roster and its join throttle (workshop-routes.ts). */
  workshop: WorkshopRouteContext["workshop"];
  /** Open check event streams per credential, and the most allowed. */
  eventStreams: Map<string, number>;
  maxEventStreams: number;
  /** Which lab each credential acts on: the lead's (registry, checks, practice above) or a learner's own. */
  scopes: LabScopes;
}

/** The drill step running now in each lab (the lead's, a learner's): one at a time per lab, kept across requests. */
const DRILL_STEPS = new Map<LabId, { busyWith?: string; lastError?: string }>();

function drillStepOf(lab: LabId): { busyWith?: string; lastError?: string } {
  let step = DRILL_STEPS.get(lab);
  if (!step) {
    step = {};
    DRILL_STEPS.set(lab, step);
  }
  return step;
}

const NoQuery = z.object({}).strict();
const TerminalsQuery = z.object({ node: TerminalNode.optional() }).strict();
const CreateTerminal = z
  .object({ node: TerminalNode, cols: Cols.default(80), rows: Rows.default(24) })
  .strict();
const LabUpBody = z.object({ offline: z.boolean().optional() }).strict();
const NoBody = z.object({}).strict();
const LabAction = z.enum(["up", "reset", "down", "swarm"]);

/** The JSON API under /api/. The caller has already checked Host, Origin and the token. */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ApiContext,
): Promise<void> {
  const method = req.method ?? "GET";
  const path = url.pathname.replace(/\/+$/, "");
  const query = Object.fromEntries(url.searchParams);
  const route = `${method} ${path}`;

  // The workshop routes sort out who may use each of them (workshop-routes.ts).
  if (await handleWorkshopRoutes(req, res, url, ctx)) return;
  // Terminals, tickets, checks and practice act on the credential's own lab: the lead's for the
  // token, a learner's own for theirs (from the roster, never from the request).
  const scope = ctx.scopes.forCredential(ctx.credential);
  const scoped: ApiContext = {
    ...ctx,
    lab: scope.lab,
    registry: scope.registry,
    checks: scope.checks,
    practice: scope.practice,
  };
  if (await handleLabRoutes(req, res, url, scoped)) return;
  // Everything else acts on this agent's lab, which is the lead's.
  leadOnly(ctx.credential);

  if (route === "GET /api/swarm") {
    parseOrBadRequest(NoQuery, query, "query");
    return sendJson(res, 200, await swarmView(ctx.docker, ctx.lab));
  }
  if (route === "GET /api/lab") {
    parseOrBadRequest(NoQuery, query, "query");
    return sendJson(res, 200, await labStatus(ctx.docker, ctx.lab, ctx.home));
  }
  const labAction = /^POST \/api\/lab\/([a-z]+)$/.exec(route)?.[1];
  if (labAction !== undefined) {
    const action = parseOrBadRequest(LabAction, labAction, "path");
    parseOrBadRequest(NoQuery, query, "query");
    const body = await readJsonBody(req, action === "up" || action === "reset" ? LabUpBody : NoBody);
    return runLabAction(res, ctx, action, body as z.infer<typeof LabUpBody>);
  }
  if (await handleScoreRoutes(req, res, url, ctx)) return;
  throw new DrydockError(ErrorCode.notFound, `There is no API route ${method} ${path}.`, {
    hint: "See lab-agent/src/server/README.md for the routes.",
  });
}

/**
 * The routes on the credential's own lab (`ctx` is already scoped to it): terminals, tickets,
 * checks, practice time and progress. Returns false when the route is not one of these.
 */
async function handleLabRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: ApiContext,
): Promise<boolean> {
  const method = req.method ?? "GET";
  const path = url.pathname.replace(/\/+$/, "");
  const query = Object.fromEntries(url.searchParams);
  const route = `${method} ${path}`;
  const scope = ctx.scopes.forCredential(ctx.credential);
  if (route === "GET /api/version") {
    parseOrBadRequest(NoQuery, query, "query");
    // The lab is the credential's own: a learner's page keys its terminals by their lab.
    sendJson(res, 200, {
      name: "drydock",
      version: ctx.version,
      lab: ctx.lab,
      ...(scope.learner ? { learner: scope.learner } : {}),
    });
    return true;
  }
  if (route === "GET /api/terminals") {
    const { node } = parseOrBadRequest(TerminalsQuery, query, "query");
    const terminals = ctx.registry.list().filter((t) => !node || t.node === node);
    sendJson(res, 200, { terminals, limits: ctx.registry.limits });
    return true;
  }
  if (route === "POST /api/terminals") {
    parseOrBadRequest(NoQuery, query, "query");
    const body = await readJsonBody(req, CreateTerminal);
    ctx.scopes.requireReady(scope);
    const session = await ctx.registry.create(body.node, body.cols, body.rows);
    sendJson(res, 201, { terminal: session.info() });
    return true;
  }
  if (route === "POST /api/tickets") {
    parseOrBadRequest(NoQuery, query, "query");
    const grant = await readJsonBody(req, TicketGrant);
    // Refuse now, in plain words, what the ticket could not be used for anyway.
    if (grant.purpose === "terminal-open") ctx.scopes.requireReady(scope);
    if (grant.purpose === "terminal-attach") ctx.registry.get(grant.terminalId);
    if (grant.purpose === "terminal-watch") {
      // Watching is the workshop lead's: a read-only view of any lab's terminal.
      leadOnly(ctx.credential);
      ctx.scopes.anyTerminal(grant.terminalId);
    }
    if (grant.purpose === "check-events") ctx.checks.exercise(grant.block);
    sendJson(res, 201, { purpose: grant.purpose, ...ctx.tickets.mint(ctx.credential, grant) });
    return true;
  }
  const flowId = /^GET \/api\/terminals\/([^/]+)\/flow$/.exec(route)?.[1];
  if (flowId !== undefined) {
    parseOrBadRequest(NoQuery, query, "query");
    const id = parseOrBadRequest(TerminalId, flowId, "path");
    sendJson(res, 200, ctx.registry.get(id).flowState());
    return true;
  }
  const closeId = /^DELETE \/api\/terminals\/([^/]+)$/.exec(route)?.[1];
  if (closeId !== undefined) {
    const id = parseOrBadRequest(TerminalId, closeId, "path");
    await ctx.registry.close(id);
    res.writeHead(204).end();
    return true;
  }
  if (await handleCheckRoutes(req, res, url, ctx)) return true;
  // The page's quiz is graded into the credential's lab's progress.
  if (await handleQuizRoutes(req, res, url, ctx)) return true;
  // Drills act on the credential's lab too; a learner's lab must be ready to start or stop one.
  if (/^\/api\/drills(\/|$)/.test(path)) {
    if (method === "POST") ctx.scopes.requireReady(scope);
    return handleDrillRoutes(req, res, url, { ...ctx, drills: drillStepOf(ctx.lab) });
  }
  if (route === "POST /api/practice/page" || route === "GET /api/progress") {
    const name = scope.learner
      ? ctx.workshop.roster.current()?.roster.find((r) => r.id === scope.learner)?.name
      : undefined;
    return handleScoreRoutes(req, res, url, { ...ctx, ...(name !== undefined ? { owner: { name } } : {}) });
  }
  return false;
}

async function runLabAction(
  res: ServerResponse,
  ctx: ApiContext,
  action: z.infer<typeof LabAction>,
  body: z.infer<typeof LabUpBody>,
): Promise<void> {
  const { lifecycle } = ctx;
  if (lifecycle.busyWith) {
    throw new DrydockError(
      ErrorCode.conflict,
      `The lab is busy: \`${lifecycle.busyWith}\` is still running.`,
      {
        hint: "Wait for it to finish, then try again.",
      },
    );
  }
  lifecycle.busyWith = action;
  ctx.log.info({ action }, "lab action");
  const labCtx = (progress: Progress): LabContext => ({
    docker: ctx.docker,
    lab: ctx.lab,
    home: ctx.home,
    progress,
  });
  const opts = body.offline !== undefined ? { offline: body.offline } : {};
  try {
    await streamProgress(res, async (progress) => {
      switch (action) {
        case "up":
          return labUp(labCtx(progress), opts);
        case "reset":
          // The engines are replaced: their shells go with them, said plainly.
          await ctx.registry.closeAll();
          return labReset(labCtx(progress), opts);
        case "down":
          await ctx.registry.closeAll();
          return labDown(labCtx(progress));
        case "swarm":
          return { nodes: await formSwarm(labCtx(progress)) };
      }
    });
  } finally {
    lifecycle.busyWith = undefined;
    // The lab's engines may be new: the check watchers re-open on them.
    ctx.checks.labChanged();
  }
}
