import { ProgressAnswer, type ProgressReport } from "../../../lab-agent/src/course/score-wire.ts";
import { AgentRequestError, findAgent, getJson } from "./agent-api.ts";

/**
 * The progress page: rubric level and what the next level misses, then per block its checked
 * deliverables passed, practice minutes (the larger of terminal and page time) against the plan,
 * and whether it is finished; then the drills. Drawn from GET /api/progress (the same report as
 * `drydock progress --json`).
 */
export async function mountProgress(root: HTMLElement): Promise<void> {
  const status = root.querySelector<HTMLElement>(".dd-progress-status");
  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  const reach = await findAgent();
  if (reach.kind === "absent")
    return say("Open this page from the URL `drydock start` printed to see your progress.");
  if (reach.kind === "no-token") return say(`${reach.error.message} ${reach.error.hint ?? ""}`);
  let p: ProgressAnswer;
  try {
    p = await getJson("/api/progress", ProgressAnswer);
  } catch (err) {
    return say(err instanceof AgentRequestError ? err.message : "The agent did not answer.");
  }
  say("");
  root.dataset.level = String(p.level);
  const summary = el("div", "dd-progress-summary");
  summary.append(
    el(
      "p",
      "dd-progress-level",
      `Rubric level ${p.level} proven; ${p.provisionalLevel} as far as the lab checks today.`,
    ),
    el("p", "", `Practice: ${p.practiceMinutes} of ${p.plannedMinutes} planned minutes.`),
  );
  if (p.displayName) summary.prepend(el("p", "dd-progress-name", p.displayName));
  if (p.nextLevel) {
    summary.append(el("p", "", `Missing for level ${p.nextLevel.level} (${p.nextLevel.name}):`));
    const ul = el("ul", "dd-progress-missing");
    for (const m of p.nextLevel.missing) ul.append(el("li", "", m));
    summary.append(ul);
  }
  const table = el("table", "dd-progress-blocks");
  const head = el("tr", "");
  for (const h of ["block", "deliverables passing", "practice (min)", "planned (min)", "finished"])
    head.append(el("th", "", h));
  table.append(head);
  for (const b of p.blocks) {
    const tr = el("tr", "");
    tr.dataset.block = b.block;
    tr.dataset.finished = String(b.finished);
    const link = el("a", "", `${b.block}: ${b.title}`);
    link.setAttribute("href", `/hours/${b.block}/`);
    const name = el("td", "");
    name.append(link);
    const passing = b.deliverables.filter((d) => d.status === "pass").length;
    tr.append(
      name,
      el("td", "", b.checked ? `${passing} of ${b.deliverables.length}` : "not checked yet"),
      el("td", "", String(Math.round(Math.max(b.terminalMinutes, b.pageMinutes)))),
      el("td", "", String(b.plannedMinutes)),
      el("td", "", b.finished ? "✓" : ""),
    );
    table.append(tr);
  }
  const drills = el("ul", "dd-progress-drills");
  for (const d of p.drills) drills.append(el("li", "", `${d.drill}: ${DRILL_STATE[d.state]}`));
  root.querySelector(".dd-progress-body")?.replaceChildren(summary, table, el("h3", "", "Drills"), drills);
}

const DRILL_STATE: Record<ProgressReport["drills"][number]["state"], string> = {
  done: "done (verification passed)",
  failed: "last run did not pass",
  "not-run": "not run yet",
  "not-checked-yet": "not checked yet",
};

export function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
