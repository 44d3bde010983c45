import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { zipStore } from "../common/zip-store.ts";
import { JoinRequest, LearnerId } from "../workshop/event-schema.ts";
import { learnerDrill } from "../workshop/learner-drill.ts";
import { type LearnerLabs, learnerLabView } from "../workshop/learner-labs.ts";
import { learnerScorecards, scorecardsFileName } from "../workshop/learner-scorecards.ts";
import { resultsCsv, resultsFileName } from "../workshop/results-csv.ts";
import {
  eventEnded,
  eventOver,
  learnerView,
  type Roster,
  type WrongCodeThrottle,
} from "../workshop/roster.ts";
import { counts, eventTime, type ProgressSource, rosterView, withProgress } from "../workshop/roster-view.ts";
import { ANONYMOUS_CREDENTIAL, learnerIdOf, TOKEN_CREDENTIAL } from "./auth.ts";
import { parseOrBadRequest, readJsonBody, sendJson } from "./http-json.ts";
import type { LabScopes } from "./lab-scopes.ts";

export interface WorkshopRouteContext {
  /** Who is asking: the lead's token, a learner (`learner:<id>`), or nobody (join only). */
  credential: string;
  /** DRYDOCK_HOME: learners' drill runs and the installation's signing key. */
  home: string;
  workshop: {
    roster: Roster;
    throttle: WrongCodeThrottle;
    now?: () => number;
    /** Learners' own labs; absent on an agent with no engine (`--no-lab`), which starts none. */
    labs?: LearnerLabs;
  };
  /** progress.db: each learner's checks and practice, by their lab id. */
  checks: { store: ProgressSource };
  /** Learners' terminals and current blocks (lab-scopes.ts), for the roster and a reset. */
  scopes: Pick<LabScopes, "terminalsOf" | "currentBlock" | "closeTerminals">;
}

const NoQuery = z.object({}).strict();
const NoBody = z.object({}).strict();
/** Educates offers 10, 30 and 60 minutes; any whole number up to four hours here. */
const ExtendBody = z.object({ minutes: z.number().int().min(1).max(240) }).strict();

/**
 * POST /api/workshop/join {code, name} (no credential): 201 {learner, credential, event}.
 * GET /api/workshop/me (the learner): their own entry, their lab's state and the event's time.
 * POST /api/workshop/lab {} (the learner): start their lab again (after it was reaped or failed).
 * GET /api/workshop/roster, POST /api/workshop/extend {minutes}, POST /api/workshop/end,
 * GET /api/workshop/results.csv, GET /api/workshop/scorecards.zip (every learner's signed
 * scorecard), POST /api/workshop/learners/<id>/reset {}: the lead (the agent's token) only.
 * Returns false when the route is not one of these.
 */
export async function handleWorkshopRoutes(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: WorkshopRouteContext,
): Promise<boolean> {
  const route = `${req.method ?? "GET"} ${url.pathname.replace(/\/+$/, "")}`;
  if (!route.includes(" /api/workshop/")) return false;
  const { roster, throttle } = ctx.workshop;
  const now = ctx.workshop.now?.() ?? Date.now();
  const query = () => parseOrBadRequest(NoQuery, Object.fromEntries(url.searchParams), "query");
  // Calls here are not activity (a page polls /me whether anyone is there): practice is, and it
  // is read from progress.db by the learner's lab (results-csv.ts withProgress).
  const learnerId = learnerIdOf(ctx.credential);

  const resetId = /^POST \/api\/workshop\/learners\/([^/]+)\/reset$/.exec(route)?.[1];
  if (resetId !== undefined) {
    leadOnly(ctx.credential);
    const id = parseOrBadRequest(LearnerId, resetId, "path");
    query();
    await readJsonBody(req, NoBody);
    const { labs } = ctx.workshop;
    if (!labs) {
      throw new DrydockError(ErrorCode.conflict, "This agent starts no labs (it runs with --no-lab).", {
        hint: "Run the workshop's agent with a Docker Engine to give learners labs.",
      });
    }
    const state = roster.require();
    if (eventOver(state.event, now)) throw eventEnded(state.event);
    const entry = state.roster.find((r) => r.id === id);
    if (!entry) {
      throw new DrydockError(ErrorCode.notFound, "There is no such learner on this workshop's roster.", {
        hint: "Reload the dashboard: the roster lists every learner's id.",
      });
    }
    // The engines are replaced: the learner's shells go first, said plainly on their page.
    await ctx.scopes.closeTerminals(entry.lab);
    const { record } = await labs.reset(entry);
    sendJson(res, 202, { lab: learnerLabView(record, state.event) });
    return true;
  }

  switch (route) {
    case "POST /api/workshop/join": {
      query();
      if (learnerId) {
        throw new DrydockError(ErrorCode.conflict, "You have already joined this workshop.", {
          hint: "Keep using this page; another seat needs another browser and name.",
        });
      }
      const caller = req.socket.remoteAddress ?? "unknown";
      throttle.check(caller);
      const body = await readJsonBody(req, JoinRequest);
      const { labs } = ctx.workshop;
      // A warm lab waiting for a learner gives its id, so their lab is the one already started.
      const warm = labs?.claimWarm();
      let joined: Awaited<ReturnType<Roster["join"]>>;
      try {
        joined = await roster.join(body, warm ? { id: warm } : {});
      } catch (err) {
        if (warm) labs?.unclaim(warm);
        if (err instanceof DrydockError && err.code === ErrorCode.unauthorized) throttle.fail(caller);
        throw err;
      }
      const { entry, credential, event } = joined;
      // The lab's record now ("provisioning"), its start in the background: join answers at once,
      // GET /api/workshop/me says when the lab is ready. Should the record fail to be written, the
      // agent's next round gives this learner (one with no lab) a lab all the same.
      if (labs) await labs.joined(entry).catch(() => undefined);
      sendJson(res, 201, {
        learner: { id: entry.id, name: entry.name, seat: entry.seat, lab: entry.lab },
        labState: labs ? (warm ? "warm" : "provisioning") : "none",
        // Shown once: the page keeps it (like the token) and sends it as `Authorization: Bearer`.
        credential,
        event: eventTime(event, now),
      });
      return true;
    }
    case "GET /api/workshop/me": {
      query();
      if (!learnerId) {
        throw new DrydockError(ErrorCode.notFound, "Only a learner who joined has a seat.", {
          hint: "Join with the event code and a display name (POST /api/workshop/join).",
        });
      }
      const state = roster.require();
      const entry = state.roster.find((r) => r.id === learnerId);
      if (!entry) throw new DrydockError(ErrorCode.unauthorized, "This login is not on the roster any more.");
      const merged = withProgress({ ...state, roster: [entry] }, ctx.checks.store);
      const mine = merged.state.roster[0] ?? entry;
      const record = ctx.workshop.labs ? state.labs?.find((l) => l.lab === entry.lab) : undefined;
      sendJson(res, 200, {
        learner: { ...learnerView(mine, state.event, now), ...counts(merged.figures.get(entry.id)) },
        lab: learnerLabView(record, state.event),
        event: eventTime(state.event, now),
      });
      return true;
    }
    case "POST /api/workshop/lab": {
      query();
      await readJsonBody(req, NoBody);
      if (!learnerId) {
        throw new DrydockError(ErrorCode.notFound, "Only a learner who joined has a lab of their own here.", {
          hint: "The lead's own lab is started with `drydock lab up` (or POST /api/lab/up).",
        });
      }
      const { labs } = ctx.workshop;
      if (!labs) {
        throw new DrydockError(ErrorCode.conflict, "This agent starts no labs (it runs with --no-lab).", {
          hint: "Tell the workshop lead: the agent needs a Docker Engine to start learners' labs.",
        });
      }
      const state = roster.require();
      if (eventOver(state.event, now)) throw eventEnded(state.event);
      const entry = state.roster.find((r) => r.id === learnerId);
      if (!entry) throw new DrydockError(ErrorCode.unauthorized, "This login is not on the roster any more.");
      const record = await labs.restart(entry);
      sendJson(res, 202, { lab: learnerLabView(record, state.event) });
      return true;
    }
    case "GET /api/workshop/roster": {
      leadOnly(ctx.credential);
      query();
      // Touches (a learner's typing) are buffered: written now, so the dashboard is live.
      await roster.flush();
      const view = rosterView(roster.require(), ctx.checks.store, now);
      sendJson(res, 200, {
        ...view,
        // For the dashboard: where each learner is, and their open terminals (to watch).
        learners: view.learners.map((l) => ({
          ...l,
          currentBlock: ctx.scopes.currentBlock(l.lab),
          terminals: ctx.scopes.terminalsOf(l.lab),
          // Their drill in the lab now, else their latest one (drill-state.ts), or null.
          drill: learnerDrill(ctx.home, l.lab),
        })),
      });
      return true;
    }
    case "POST /api/workshop/extend": {
      leadOnly(ctx.credential);
      query();
      const { minutes } = await readJsonBody(req, ExtendBody);
      const event = await roster.extend(minutes);
      sendJson(res, 200, { event: eventTime(event, now) });
      return true;
    }
    case "POST /api/workshop/end": {
      leadOnly(ctx.credential);
      query();
      await readJsonBody(req, NoBody);
      const state = await roster.end();
      sendJson(res, 200, { event: eventTime(state.event, now) });
      return true;
    }
    case "GET /api/workshop/results.csv": {
      leadOnly(ctx.credential);
      query();
      await roster.flush();
      const state = roster.require();
      const text = resultsCsv(state, ctx.checks.store, now);
      res.writeHead(200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${resultsFileName(state)}"`,
        "Content-Length": Buffer.byteLength(text),
        "Cache-Control": "no-store",
      });
      res.end(text);
      return true;
    }
    case "GET /api/workshop/scorecards.zip": {
      leadOnly(ctx.credential);
      query();
      await roster.flush();
      const state = roster.require();
      const cards = await learnerScorecards(ctx.home, state, new Date(now));
      const zip = zipStore(
        cards.map((c) => ({
          name: c.fileName,
          data: Buffer.from(`${JSON.stringify(c.scorecard, null, 2)}\n`),
          modified: new Date(now),
        })),
      );
      res.writeHead(200, {
        "Content-Type": "application/zip",
        "Content-Disposition": `attachment; filename="${scorecardsFileName(state)}"`,
        "Content-Length": zip.length,
        "Cache-Control": "no-store",
      });
      res.end(zip);
      return true;
    }
    default:
      return false;
  }
}

/** Every route but join and a learner's own: the agent's token, nothing less. */
export function leadOnly(credential: string): void {
  if (credential === TOKEN_CREDENTIAL) return;
  if (credential === ANONYMOUS_CREDENTIAL) {
    throw new DrydockError(ErrorCode.unauthorized, "This needs Drydock's access token.", {
      hint: "Send `Authorization: Bearer <token>`.",
    });
  }
  throw new DrydockError(ErrorCode.forbidden, "This is for the workshop lead only.", {
    hint: "A learner's login opens their own seat and lab, nothing of the lead's or anyone else's.",
  });
}
