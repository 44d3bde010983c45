import * as z from "zod/mini";
import { findAgent, getJson, postJson } from "./agent-api.ts";

/** A drill's panel: start / stop through /api/drills/<name>, its verification while it runs. */
const Item = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string(),
  summary: z.string(),
  evidence: z.array(z.string()),
});
const Run = z.object({
  drill: z.string(),
  phase: z.string(),
  verdict: z.string(),
  reason: z.nullable(z.string()),
  items: z.array(Item),
  learner: z.array(z.string()),
});
const DrillAnswer = z.object({
  drill: z.string(),
  busy: z.boolean(),
  lastError: z.nullable(z.string()),
  run: z.nullable(Run),
});
const Accepted = z.object({ drill: z.string(), busy: z.boolean() });

const MARK: Record<string, string> = { pass: "✓", fail: "✗", error: "!", pending: "…" };

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

export async function mountDrill(root: HTMLElement, drill: string): Promise<void> {
  const status = root.querySelector(".dd-drill-status") as HTMLElement;
  const body = root.querySelector(".dd-drill-body") as HTMLElement;
  const reach = await findAgent();
  if (reach.kind !== "ready") {
    status.textContent = `Start Drydock (npm start) to run this drill from here; or: drydock drill ${drill} start`;
    return;
  }
  let timer: number | undefined;
  const render = (a: z.infer<typeof DrillAnswer>) => {
    body.replaceChildren();
    const run = a.run;
    status.textContent = a.busy
      ? "Running… (the timeline is being recorded)"
      : run
        ? `${run.phase}${run.verdict !== "none" ? `, ${run.verdict}` : ""}`
        : "Not run yet in this lab.";
    if (a.lastError) body.append(el("p", a.lastError, "dd-drill-error"));
    if (run?.reason) body.append(el("p", run.reason));
    if (run?.items.length) {
      const list = el("ul");
      for (const i of run.items) {
        const li = el("li", `${MARK[i.status] ?? "?"} ${i.title} — ${i.summary}`, `dd-drill-${i.status}`);
        if (i.evidence.length) {
          const d = el("details");
          d.append(el("summary", "evidence"), el("pre", i.evidence.join("\n")));
          li.append(d);
        }
        list.append(li);
      }
      body.append(list);
    }
    const buttons = el("p");
    const active = run?.phase === "active" || run?.phase === "broken";
    const start = el("button", "Start the drill");
    start.disabled = a.busy || active;
    start.onclick = () => void act("start");
    const stop = el("button", "Stop and restore the lab");
    stop.disabled = a.busy || !active;
    stop.onclick = () => void act("stop");
    buttons.append(start, " ", stop);
    body.append(buttons);
    if (a.busy) timer = window.setTimeout(() => void refresh(), 2000);
  };
  const refresh = async () => {
    window.clearTimeout(timer);
    try {
      render(await getJson(`/api/drills/${encodeURIComponent(drill)}`, DrillAnswer));
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  };
  const act = async (action: "start" | "stop") => {
    try {
      await postJson(`/api/drills/${encodeURIComponent(drill)}/${action}`, {}, Accepted);
    } catch (err) {
      status.textContent = (err as Error).message;
    }
    await refresh();
  };
  await refresh();
}
