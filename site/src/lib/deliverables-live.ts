import * as z from "zod/mini";
import { authHeaders, checkEventsUrl, findAgent } from "./agent-api.ts";

/**
 * The live half of the Deliverables panel: the latest result of each deliverable from
 * GET /api/checks/<block>, then pushed by GET /api/checks/<block>/events (the agent re-runs
 * checks after lab events), evidence on expand,
 * the hint on fail, and Check now (POST). Loaded only when the panel is on screen.
 */
const Evidence = z.object({
  source: z.string(),
  field: z.string(),
  observed: z.unknown(),
  expected: z.optional(z.string()),
});
const Result = z.object({
  id: z.string(),
  status: z.enum(["pass", "fail", "error", "skipped"]),
  summary: z.string(),
  evidence: z.array(Evidence),
  hint: z.optional(z.string()),
  durationMs: z.number(),
  at: z.string(),
});
type Result = z.infer<typeof Result>;
/** GET /api/checks/<block>, a pushed `results` event and a POSTed run all carry these two fields. */
const BlockResults = z.object({ block: z.string(), results: z.array(Result) });

const LABEL: Record<Result["status"], string> = {
  pass: "passes",
  fail: "fails",
  error: "could not check",
  skipped: "waits",
};

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

  const show = (results: Result[]) => {
    for (const r of results) {
      const li = panel.querySelector<HTMLElement>(`li[data-deliverable="${CSS.escape(r.id)}"]`);
      if (li) render(li, r);
    }
  };
  const load = async () => {
    const res = await fetch(`/api/checks/${encodeURIComponent(block)}`, {
      headers: authHeaders({ Accept: "application/json" }),
    });
    if (res.ok) show(BlockResults.parse(await res.json()).results);
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
      show(run.results);
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
      if (pushed.success) show(pushed.data.results);
    });
    source.addEventListener("open", () => void load().catch(() => {}));
  };
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      events?.close();
      events = undefined;
    } else if (!events) void listen();
  });
  if (document.visibilityState !== "hidden") void listen();
  panel.dataset.live = "on";
}

function render(li: HTMLElement, r: Result): void {
  li.dataset.status = r.status;
  let box = li.querySelector<HTMLDetailsElement>("details.dd-result");
  if (!box) {
    box = document.createElement("details");
    box.className = "dd-result";
    li.append(box);
  }
  const summary = document.createElement("summary");
  summary.textContent = `${LABEL[r.status]}: ${r.summary}`;
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
