import { ProgressAnswer } from "../../../lab-agent/src/course/score-wire.ts";
import { authHeaders, findAgent, getJson } from "./agent-api.ts";

/**
 * What every page does when a Drydock agent serves it: marks finished blocks in the sidebar
 * (every checked deliverable passes) and, on a block's page, tells the agent every 30 s that the
 * page is in front — visible and focused — which counts as page time for that block (the agent
 * drops ticks closer than 15 s and idle gaps over 5 min). Nothing is sent when the tab is
 * hidden or another window has focus. Loaded lazily, only when a token is stored.
 */
export const HEARTBEAT_MS = 30_000;

export async function startPageActivity(block: string | undefined): Promise<void> {
  const reach = await findAgent();
  if (reach.kind !== "ready") return;
  void markSidebar();
  if (!block) return;
  const beat = () => {
    if (document.visibilityState !== "visible" || !document.hasFocus()) return;
    void fetch("/api/practice/page", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ block }),
    }).catch(() => {});
  };
  beat();
  setInterval(beat, HEARTBEAT_MS);
  document.addEventListener("visibilitychange", beat);
  window.addEventListener("focus", beat);
}

/** A ✓ after each finished block's link in the sidebar. */
async function markSidebar(): Promise<void> {
  let progress: ProgressAnswer;
  try {
    progress = await getJson("/api/progress", ProgressAnswer);
  } catch {
    return; // the sidebar without marks is still the sidebar
  }
  for (const b of progress.blocks) {
    for (const a of document.querySelectorAll<HTMLAnchorElement>(
      `nav a[href="/hours/${CSS.escape(b.block)}/"]`,
    )) {
      a.dataset.ddFinished = String(b.finished);
      a.querySelector(".dd-finished")?.remove();
      if (!b.finished) continue;
      const mark = document.createElement("span");
      mark.className = "dd-finished";
      mark.textContent = "✓";
      mark.title = "Finished: every checked deliverable passes";
      mark.setAttribute("aria-label", "finished");
      a.append(mark);
    }
  }
}
