import {
  BlockResults,
  type ChangedAt,
  type CheckResult as Result,
} from "../../../lab-agent/src/course/check-wire.ts";
import { ageText, isStale } from "../../../lab-agent/src/course/result-age.ts";
import { authHeaders, checkEventsUrl, findAgent } from "./agent-api.ts";

/**
 * The live half of the Deliverables panel: the latest result of each deliverable from
 * GET /api/checks/<block>, then pushed by GET /api/checks/<block>/events (the agent re-runs
 * checks after lab events, and says when the lab last changed), evidence on expand,
 * the hint on fail, and Check now (POST). Each result shows its age (the time on hover) and
 * "stale" when the lab changed, in a way its check reads, after it was taken.
 * The schemas are the course model's (lab-agent/src/course/check-wire.ts), shared with the agent.
 * Loaded only when the panel is on screen.
 */

const LABEL: Record<Result["status"], string> = {
  pass: "passes",
  fail: "fails",
  error: "could not check",
  skipped: "waits",
};
/** How often the ages ("2 min ago") are redrawn. */
const AGE_TICK_MS = 15_000;

export async function mountDeliverables(panel: HTMLElement): Promise<void> {
  const block = panel.dataset.block;
  const reach = await findAgent();
  if (!block || reach.kind !== "ready") return;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "dd-check-now";
  button.textContent = "Check now";
  const note = document.createElement("span");
  note.className = "dd-check-note";
  note.setAttribute("aria-live", "polite");
  panel.querySelector(".dd-block-facts")?.append(button, note);

  const latest = new Map<string, Result>();
  let changedAt: ChangedAt = {};
  const redraw = () => {
    const now = Date.now();
    for (const r of latest.values()) {
      const li = panel.querySelector<HTMLElement>(`li[data-deliverable="${CSS.escape(r.id)}"]`);
      if (li) render(li, r, changedAt[r.id], now);
    }
  };
  const show = (body: BlockResults) => {
    for (const r of body.results) latest.set(r.id, r);
    if (body.changedAt) changedAt = body.changedAt;
    redraw();
  };
  // Between results only the ages move.
  const tick = () => {
    const now = Date.now();
    for (const t of panel.querySelectorAll<HTMLTimeElement>("time.dd-age"))
      t.textContent = ageText(t.dateTime, now);
  };
  const load = async () => {
    const res = await fetch(`/api/checks/${encodeURIComponent(block)}`, {
      headers: authHeaders({ Accept: "application/json" }),
    });
    if (res.ok) show(BlockResults.parse(await res.json()));
  };
  button.addEventListener("click", async () => {
    button.disabled = true;
    note.textContent = "Checking…";
    try {
      const res = await fetch(`/api/checks/${encodeURIComponent(block)}`, {
        method: "POST",
        headers: authHeaders({ Accept: "application/json", "Content-Type": "application/json" }),
        body: "{}",
      });
      const body: unknown = await res.json();
      if (!res.ok) {
        note.textContent = (body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`;
        return;
      }
      const run = BlockResults.parse(body);
      show(run);
      note.textContent = `${run.results.filter((r) => r.status === "pass").length} of ${run.results.length} pass`;
    } catch (err) {
      note.textContent = (err as Error).message;
    } finally {
      button.disabled = false;
    }
  });
  await load().catch(() => {});
  // The agent re-runs snapshot checks after lab events and pushes every stored run of this block
  // (EventSource reconnects by itself; the reload after a reconnect catches what was missed).
  // Hidden tabs let go of their stream: a browser keeps only ~6 connections per origin over HTTP/1.1.
  let events: EventSource | undefined;
  // Each stream opens with a fresh single-use ticket; a reconnect with the spent one is refused,
  // which closes the EventSource: then listen again with a new ticket.
  const listen = async () => {
    const url = await checkEventsUrl(block).catch(() => undefined);
    if (events || document.visibilityState === "hidden") return;
    if (!url) {
      setTimeout(() => void listen(), 5_000);
      return;
    }
    const source = new EventSource(url);
    events = source;
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED || events !== source) return;
      events = undefined;
      setTimeout(() => void listen(), 3_000);
    });
    source.addEventListener("results", (e) => {
      const pushed = BlockResults.safeParse(JSON.parse((e as MessageEvent<string>).data));
      if (pushed.success) show(pushed.data);
    });
    source.addEventListener("open", () => void load().catch(() => {}));
  };
  let ages: ReturnType<typeof setInterval> | undefined;
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      events?.close();
      events = undefined;
      clearInterval(ages);
      ages = undefined;
    } else {
      if (!events) void listen();
      ages ??= setInterval(tick, AGE_TICK_MS);
      tick();
    }
  });
  if (document.visibilityState !== "hidden") {
    void listen();
    ages = setInterval(tick, AGE_TICK_MS);
  }
  panel.dataset.live = "on";
}

function render(li: HTMLElement, r: Result, changedAt: string | undefined, now: number): void {
  li.dataset.status = r.status;
  const stale = isStale(r.at, changedAt);
  li.dataset.stale = String(stale);
  let box = li.querySelector<HTMLDetailsElement>("details.dd-result");
  if (!box) {
    box = document.createElement("details");
    box.className = "dd-result";
    li.append(box);
  }
  const summary = document.createElement("summary");
  const age = document.createElement("time");
  age.className = "dd-age";
  age.dateTime = r.at;
  age.textContent = ageText(r.at, now);
  age.title = `Checked ${new Date(r.at).toLocaleString()}`;
  summary.append(`${LABEL[r.status]}: ${r.summary} · `, age);
  if (stale && changedAt) {
    const mark = document.createElement("span");
    mark.className = "dd-stale";
    mark.textContent = " · stale: the lab changed since";
    mark.title = `The lab changed ${new Date(changedAt).toLocaleString()}, after this result was taken: check again.`;
    summary.append(mark);
  }
  const rows = r.evidence.map((e) => {
    const row = document.createElement("li");
    const observed = typeof e.observed === "string" ? e.observed : JSON.stringify(e.observed);
    row.textContent = `${e.field}: ${observed}${e.expected ? ` (expected ${e.expected})` : ""} — ${e.source}`;
    return row;
  });
  const list = document.createElement("ul");
  list.append(...rows);
  const parts: Node[] = [summary, list];
  if (r.hint && r.status !== "pass") {
    const hint = document.createElement("p");
    hint.className = "dd-hint";
    hint.textContent = r.hint;
    parts.push(hint);
  }
  const open = box.open;
  box.replaceChildren(...parts);
  box.open = open;
}
