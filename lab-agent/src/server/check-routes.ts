import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { CheckService } from "../checks/check-service.ts";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { BlockId } from "../exercises/exercise-schema.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";

const NoQuery = z.object({}).strict();
const CheckBody = z.object({}).strict();
/** A comment line now and then keeps proxies and idle timers from closing a quiet stream. */
const KEEPALIVE_MS = 25_000;

export interface CheckRouteContext {
  lab: string;
  /** The agent's one check service: it owns the store and the lab watchers. */
  checks: CheckService;
  credential: string;
  eventStreams: Map<string, number>;
  maxEventStreams: number;
}

/**
 * GET /api/checks/<block>: the block's deliverables with the latest stored result of each.
 * POST /api/checks/<block>: runs every check of the block now (drills included) and returns the run.
 * GET /api/checks/<block>/events: Server-Sent Events, one `results` event with the latest results
 * each time a run of the block is stored (by an event-driven re-run, the API or `drydock check`).
 * Returns false when the route is not one of these.
 */
export async function handleCheckRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: CheckRouteContext,
): Promise<boolean> {
  const m = /^\/api\/checks\/([^/]+)(\/events)?\/?$/.exec(url.pathname);
  if (!m) return false;
  const isStream = m[2] !== undefined;
  if (isStream ? req.method !== "GET" : req.method !== "GET" && req.method !== "POST") return false;
  const block = parseOrBadRequest(BlockId, decodePath(m[1] ?? ""), "path");
  parseOrBadRequest(NoQuery, Object.fromEntries(url.searchParams), "query");
  const { checks } = ctx;
  const exercise = checks.exercise(block);
  // The watchers start with the agent; this re-opens them if the lab came up later.
  void checks.watch();
  if (isStream) {
    const open = ctx.eventStreams.get(ctx.credential) ?? 0;
    if (open >= ctx.maxEventStreams) {
      throw new DrydockError(
        ErrorCode.tooMany,
        `Too many check event streams are open (at most ${ctx.maxEventStreams}).`,
        { hint: "Close some course tabs (hidden tabs let theirs go by themselves), then reload." },
      );
    }
    ctx.eventStreams.set(ctx.credential, open + 1);
    req.on("close", () =>
      ctx.eventStreams.set(ctx.credential, (ctx.eventStreams.get(ctx.credential) ?? 1) - 1),
    );
    streamResults(req, res, checks, block, ctx.lab);
    return true;
  }
  if (req.method === "POST") {
    await readJsonBody(req, CheckBody);
    sendJson(res, 200, await checks.run(block, "api"));
    return true;
  }
  sendJson(res, 200, {
    block,
    lab: ctx.lab,
    deliverables: exercise.deliverables.map((d) => ({ id: d.id, title: d.title, needs: d.needs })),
    results: checks.store.latest(ctx.lab, block),
    changedAt: checks.changes.changedAt(block),
  });
  return true;
}

function streamResults(
  req: IncomingMessage,
  res: ServerResponse,
  checks: CheckService,
  block: string,
  lab: string,
): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  // Tell the browser how long to wait before reconnecting, and flush the headers now.
  res.write("retry: 3000\n\n");
  // A `results` event (course/check-wire.ts BlockResults) when a run is stored or the lab changes.
  const send = (results: unknown) =>
    res.write(
      `event: results\ndata: ${JSON.stringify({ block, results, changedAt: checks.changes.changedAt(block) })}\n\n`,
    );
  const unsubscribe = checks.subscribe(block, send);
  const unwatchChanges = checks.changes.subscribe((changed) => {
    if (changed === block) send(checks.store.latest(lab, block));
  });
  const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
  req.on("close", () => {
    clearInterval(keepalive);
    unsubscribe();
    unwatchChanges();
  });
}

function decodePath(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DrydockError(ErrorCode.usage, "Invalid request path: its percent-encoding is malformed.");
  }
}
