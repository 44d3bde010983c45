import type { IncomingMessage, ServerResponse } from "node:http";
import type Docker from "dockerode";
import { z } from "zod";
import { CheckService } from "../checks/check-service.ts";
import { BlockId } from "../exercises/exercise-schema.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";

/** One check service per lab the agent serves: it keeps the store open and the watchers running. */
const services = new Map<string, CheckService>();
const NoQuery = z.object({}).strict();
const CheckBody = z.object({}).strict();

function serviceFor(ctx: { docker: Docker; lab: string; home: string }): CheckService {
  const key = `${ctx.home}\0${ctx.lab}`;
  let service = services.get(key);
  if (!service) {
    service = new CheckService(ctx);
    services.set(key, service);
  }
  return service;
}

/**
 * GET /api/checks/<block>: the block's deliverables with the latest stored result of each.
 * POST /api/checks/<block>: runs every check of the block now (drills included) and returns the run.
 * Returns false when the route is not one of these.
 */
export async function handleCheckRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: { docker: Docker; lab: string; home: string },
): Promise<boolean> {
  const m = /^\/api\/checks\/([^/]+)\/?$/.exec(url.pathname);
  if (!m || (req.method !== "GET" && req.method !== "POST")) return false;
  const block = parseOrBadRequest(BlockId, decodeURIComponent(m[1] ?? ""), "path");
  parseOrBadRequest(NoQuery, Object.fromEntries(url.searchParams), "query");
  const service = serviceFor(ctx);
  const exercise = service.exercise(block);
  // Live updates need the watchers; starting them is cheap and happens once.
  void service.watch();
  if (req.method === "POST") {
    await readJsonBody(req, CheckBody);
    sendJson(res, 200, await service.run(block, "api"));
    return true;
  }
  sendJson(res, 200, {
    block,
    lab: ctx.lab,
    deliverables: exercise.deliverables.map((d) => ({ id: d.id, title: d.title, needs: d.needs })),
    results: service.store.latest(ctx.lab, block),
  });
  return true;
}

/** Stops the watchers (agent shutdown, tests). */
export function closeCheckServices(): void {
  for (const s of services.values()) s.close();
  services.clear();
}
