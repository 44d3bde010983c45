import type { IncomingMessage, ServerResponse } from "node:http";
import type Docker from "dockerode";
import { z } from "zod";
import { openLab } from "../checks/lab-access.ts";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { DRILL_IDS } from "../course/course-outline.ts";
import { drillNamed } from "../drills/drill-catalog.ts";
import { drillStatus, startDrill, stopDrill } from "../drills/drill-runner.ts";
import { loadRun, loadRuns } from "../drills/drill-state.ts";
import type { LabId } from "../lab/lab-names.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";

export interface DrillRouteContext {
  docker: Docker;
  lab: LabId;
  home: string;
  /** The drill step running now in this agent (one at a time). */
  drills: { busyWith?: string; lastError?: string };
}

const NoQuery = z.object({}).strict();
const DrillName = z.enum(DRILL_IDS);
const StartBody = z
  .object({
    signal: z.enum(["KILL", "TERM", "INT", "QUIT", "ABRT", "SEGV"]).optional(),
    node: z.enum(["worker-1", "worker-2"]).optional(),
  })
  .strict();
const NoBody = z.object({}).strict();

/**
 * GET /api/drills: every drill's latest run in the lab (phase, verdict) and what runs now.
 * GET /api/drills/<name>: the latest run, re-verified when the drill is active.
 * POST /api/drills/<name>/start {signal?, node?} and /stop {}: 202 at once, the step runs in the
 * agent (poll GET); one step at a time (409). Same auth as every /api route.
 */
export async function handleDrillRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: DrillRouteContext,
): Promise<boolean> {
  const m = /^\/api\/drills(?:\/([^/]+)(?:\/(start|stop))?)?\/?$/.exec(url.pathname);
  if (!m) return false;
  parseOrBadRequest(NoQuery, Object.fromEntries(url.searchParams), "query");
  const method = req.method ?? "GET";
  if (!m[1]) {
    if (method !== "GET") return false;
    sendJson(res, 200, {
      lab: ctx.lab,
      busyWith: ctx.drills.busyWith ?? null,
      runs: loadRuns(ctx.home, ctx.lab),
    });
    return true;
  }
  const name = parseOrBadRequest(DrillName, decodeURIComponent(m[1]), "path");
  const def = drillNamed(name);
  const action = m[2];
  if (!action) {
    if (method !== "GET") return false;
    let run = loadRun(ctx.home, ctx.lab, name);
    if (run?.phase === "active" && !ctx.drills.busyWith) {
      const lab = await openLab({ docker: ctx.docker, lab: ctx.lab, home: ctx.home });
      run = await drillStatus({ lab, home: ctx.home }, def);
    }
    sendJson(res, 200, {
      drill: name,
      busy: ctx.drills.busyWith === name,
      lastError: ctx.drills.lastError ?? null,
      run: run ?? null,
    });
    return true;
  }
  if (method !== "POST") return false;
  const body = action === "start" ? await readJsonBody(req, StartBody) : await readJsonBody(req, NoBody);
  if (ctx.drills.busyWith) {
    throw new DrydockError(ErrorCode.conflict, `The drill ${ctx.drills.busyWith} is busy right now.`, {
      hint: "Wait for it to finish, then try again.",
    });
  }
  const lab = await openLab({ docker: ctx.docker, lab: ctx.lab, home: ctx.home });
  ctx.drills.busyWith = name;
  ctx.drills.lastError = undefined;
  const work =
    action === "start"
      ? startDrill({ lab, home: ctx.home }, def, body)
      : stopDrill({ lab, home: ctx.home }, def);
  void work
    .catch((err) => {
      ctx.drills.lastError = errorMessage(err);
    })
    .finally(() => {
      ctx.drills.busyWith = undefined;
    });
  sendJson(res, 202, { drill: name, action, busy: true });
  return true;
}
