import * as z from "zod/mini";
import {
  AgentError,
  AgentRequestError,
  authHeaders,
  findAgent,
  getJson,
  postJson,
  preferToken,
} from "./agent-api.ts";
import { el } from "./progress-view.ts";
import { TerminalInfo } from "./terminal-protocol.ts";

/**
 * The workshop lead's dashboard: GET /api/workshop/roster every few seconds (the agent's token
 * only), one row per learner with their state, lab, current block, checks passed, practice and
 * whether they are stuck; "reset lab" (POST /api/workshop/learners/<id>/reset) and "watch" (a
 * read-only view of one of their terminals, workshop-watch.ts).
 */
export const REFRESH_MS = 5_000;

const LabState = z.nullable(
  z.object({
    state: z.enum(["provisioning", "ready", "failed", "removed"]),
    since: z.string(),
    attempts: z.number(),
    error: z.nullable(z.string()),
    logTail: z.nullable(z.string()),
    removedBecause: z.nullable(z.string()),
  }),
);

export const RosterLearner = z.object({
  id: z.string(),
  name: z.string(),
  seat: z.number(),
  lab: z.string(),
  status: z.enum(["joined", "idle", "active", "stuck"]),
  minutesWithoutProgress: z.number(),
  checksPassed: z.number(),
  checksTried: z.number(),
  practiceMinutes: z.number(),
  labState: LabState,
  currentBlock: z.nullable(z.string()),
  terminals: z.array(TerminalInfo),
  drill: z.nullable(
    z.object({
      drill: z.string(),
      phase: z.string(),
      verdict: z.string(),
      active: z.boolean(),
      since: z.string(),
    }),
  ),
});
export type RosterLearner = z.infer<typeof RosterLearner>;

export const RosterAnswer = z.object({
  event: z.object({
    code: z.string(),
    seats: z.number(),
    taken: z.number(),
    stuckAfterMinutes: z.number(),
    minutesLeft: z.number(),
    over: z.boolean(),
  }),
  counts: z.object({ joined: z.number(), idle: z.number(), active: z.number(), stuck: z.number() }),
  learners: z.array(RosterLearner),
});
export type RosterAnswer = z.infer<typeof RosterAnswer>;

const ResetAnswer = z.object({ lab: z.object({ state: z.string() }) });
const EventAnswer = z.object({
  event: z.object({ minutesLeft: z.number(), over: z.boolean(), endedAt: z.nullable(z.string()) }),
});

/** A learner's drill as one cell (pure): the drill in their lab now, else their latest one's verdict. */
export function drillCell(d: RosterLearner["drill"]): string {
  if (!d) return "—";
  if (d.active)
    return `${d.drill}: ${d.phase === "broken" ? "broken, needs stop" : "running"} (${d.verdict})`;
  return `${d.drill}: ${d.phase}${d.verdict === "none" ? "" : `, ${d.verdict}`}`;
}

/** Extend by whole minutes, 1 to 240 (as the agent's ExtendBody): the problem, or undefined (pure). */
export function extendProblem(text: string): string | undefined {
  const minutes = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(minutes) || minutes < 1 || minutes > 240)
    return "Extend by a whole number of minutes from 1 to 240.";
  return undefined;
}

/** One learner's row, as text cells (pure: tested without a browser). */
export function rowCells(l: RosterLearner, stuckAfter: number): string[] {
  const lab = l.labState ? l.labState.state + (l.labState.error ? `: ${l.labState.error}` : "") : "none";
  const stuck =
    l.status === "stuck"
      ? `stuck (${l.minutesWithoutProgress} min without progress, over ${stuckAfter})`
      : "";
  return [
    String(l.seat),
    l.name,
    l.status === "stuck" ? "active" : l.status,
    lab,
    l.currentBlock ?? "—",
    `${l.checksPassed} of ${l.checksTried}`,
    `${Math.round(l.practiceMinutes)} min`,
    drillCell(l.drill),
    stuck,
  ];
}

export async function mountDashboard(root: HTMLElement): Promise<void> {
  const status = root.querySelector<HTMLElement>(".dd-workshop-status");
  const body = root.querySelector<HTMLElement>(".dd-workshop-body");
  const watchPane = root.querySelector<HTMLElement>(".dd-workshop-watch");
  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  // The lead's page: the agent's token, even where this browser also joined as a learner.
  preferToken();
  const reach = await findAgent();
  if (reach.kind === "absent")
    return say("Open this page from the URL `drydock start` printed (it is the lead's).");
  if (reach.kind === "no-token") return say(`${reach.error.message} ${reach.error.hint ?? ""}`);
  let watching: { close(): void } | undefined;

  const watch = async (l: RosterLearner, terminalId: string, node: string) => {
    if (!watchPane) return;
    watching?.close();
    const title = el("p", "dd-workshop-watch-title", `Watching ${l.name}'s ${node} (read-only)`);
    const state = el("span", "dd-workshop-watch-state");
    const screen = el("div", "dd-workshop-watch-screen");
    const stop = el("button", "", "Stop watching");
    watchPane.replaceChildren(title, state, stop, screen);
    const { WatchView } = await import("./workshop-watch.ts");
    const view = new WatchView(screen, terminalId, (text) => {
      state.textContent = ` ${text}`;
    });
    watching = view;
    stop.addEventListener("click", () => {
      view.close();
      watchPane.replaceChildren();
      watching = undefined;
    });
    await view.connect();
  };

  const draw = (r: RosterAnswer) => {
    say(
      `Code ${r.event.code} · ${r.event.taken} of ${r.event.seats} seats · ${r.counts.active} active, ` +
        `${r.counts.idle} idle, ${r.counts.joined} only joined, ${r.counts.stuck} stuck · ` +
        (r.event.over ? "the event is over" : `${r.event.minutesLeft} min left`),
    );
    const table = el("table", "dd-workshop-roster");
    const head = el("tr", "");
    for (const h of [
      "seat",
      "name",
      "state",
      "lab",
      "block",
      "checks passed",
      "practice",
      "drill",
      "stuck",
      "",
    ])
      head.append(el("th", "", h));
    table.append(head);
    for (const l of r.learners) {
      const tr = el("tr", "");
      tr.dataset.learner = l.id;
      tr.dataset.status = l.status;
      for (const cell of rowCells(l, r.event.stuckAfterMinutes)) tr.append(el("td", "", cell));
      const actions = el("td", "dd-workshop-actions");
      const reset = el("button", "", "Reset lab");
      reset.addEventListener("click", () => {
        if (!confirm(`Reset ${l.name}'s lab? Their engines start afresh (their workspace is kept).`)) return;
        reset.setAttribute("disabled", "");
        postJson(`/api/workshop/learners/${l.id}/reset`, {}, ResetAnswer)
          .then(() => refresh())
          .catch((err) => say(err instanceof AgentRequestError ? err.message : "The agent did not answer."));
      });
      actions.append(reset);
      for (const t of l.terminals.filter((x) => x.exitCode === null)) {
        const b = el("button", "", `Watch ${t.node}`);
        b.addEventListener("click", () => void watch(l, t.id, t.node));
        actions.append(b);
      }
      tr.append(actions);
      table.append(tr);
    }
    body?.replaceChildren(r.learners.length ? table : el("p", "", "Nobody has joined yet."));
  };

  const refresh = async () => {
    try {
      const r = await getJson("/api/workshop/roster", RosterAnswer);
      draw(r);
      controls?.setAttribute("data-over", String(r.event.over));
      for (const b of Array.from(controls?.querySelectorAll<HTMLButtonElement>("[data-when-live]") ?? []))
        b.disabled = r.event.over;
    } catch (err) {
      say(err instanceof AgentRequestError ? err.message : "The agent did not answer.");
    }
  };
  const controls = root.querySelector<HTMLElement>(".dd-workshop-controls");
  if (controls) mountControls(controls, refresh);
  await refresh();
  setInterval(() => {
    if (document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);
}

/**
 * The event's controls: extend by N minutes, end the event (after a confirm), and the exports:
 * the results CSV and every learner's signed scorecard (a zip). The downloads are fetched with
 * the token in a header and handed to the browser as a blob: URL, so no address carries it.
 */
function mountControls(controls: HTMLElement, refresh: () => Promise<void>): void {
  const note = controls.querySelector<HTMLElement>("[data-controls-note]");
  const minutes = controls.querySelector<HTMLInputElement>("input[name=minutes]");
  const say = (text: string) => {
    if (note) note.textContent = text;
  };
  const failed = (err: unknown) =>
    say(
      err instanceof AgentRequestError
        ? `${err.message} ${err.error.hint ?? ""}`.trim()
        : "The agent did not answer.",
    );
  controls.querySelector("[data-extend]")?.addEventListener("click", () => {
    const text = minutes?.value ?? "";
    const problem = extendProblem(text);
    if (problem) return say(problem);
    postJson("/api/workshop/extend", { minutes: Number(text) }, EventAnswer)
      .then(async (a) => {
        say(`Extended by ${Number(text)} min: ${a.event.minutesLeft} min left.`);
        await refresh();
      })
      .catch(failed);
  });
  controls.querySelector("[data-end]")?.addEventListener("click", () => {
    if (
      !confirm(
        "End the workshop now? Nobody can join any more, every learner's lab is removed, and it cannot be extended. Export the results and scorecards first or after: both stay available.",
      )
    )
      return;
    postJson("/api/workshop/end", {}, EventAnswer)
      .then(async () => {
        say("The workshop is over: every learner's lab is being removed. The exports below stay available.");
        await refresh();
      })
      .catch(failed);
  });
  for (const link of Array.from(controls.querySelectorAll<HTMLButtonElement>("[data-export]"))) {
    link.addEventListener("click", () => {
      const path = link.dataset.export ?? "";
      void download(path)
        .then((name) => say(`Downloaded ${name}.`))
        .catch(failed);
    });
  }
}

/** GETs an export with the token in the header and saves it under the agent's file name. */
async function download(path: string): Promise<string> {
  const res = await fetch(path, { headers: authHeaders({}) });
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => undefined);
    const parsed = z.object({ error: AgentError }).safeParse(body);
    throw new AgentRequestError(
      res.status,
      parsed.success
        ? parsed.data.error
        : { code: `http-${res.status}`, message: `The agent answered ${res.status}.` },
    );
  }
  const name =
    /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ??
    path.split("/").pop() ??
    "export";
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
