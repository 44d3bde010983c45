import {
  AgentRequestError,
  fetchLabStatus,
  fetchSwarmView,
  findAgent,
  getJson,
  type LabAction,
  type LabStatus,
  type ProgressLine,
  runLabAction,
  type SwarmView,
} from "./agent-api.ts";
import { labLine, MeAnswer } from "./workshop-me.ts";

/**
 * The behaviour behind <drydock-lab-status>: buttons that run lab actions with their progress
 * streamed into a list, a nodes table, and a services × nodes grid of swarm tasks, refreshed
 * while the panel is on screen. Loaded when the panel is first shown.
 */

const POLL_MS = 4000;

export function mountLabStatus(root: HTMLElement): { refresh(): Promise<void> } {
  const $ = <T extends HTMLElement>(sel: string) => root.querySelector<T>(sel) as T;
  const summary = $<HTMLElement>("[data-summary]");
  const progress = $<HTMLOListElement>("[data-progress]");
  const nodesBody = $<HTMLTableSectionElement>("[data-nodes] tbody");
  const nodesTable = $<HTMLTableElement>("[data-nodes]");
  const swarm = $<HTMLElement>("[data-swarm]");
  const offline = $<HTMLElement>("[data-offline]");
  const buttons = [...root.querySelectorAll<HTMLButtonElement>("button[data-action]")];
  let busy = false;
  let status: LabStatus | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const setButtons = () => {
    for (const b of buttons) {
      const action = b.dataset.action as LabAction;
      b.disabled = busy || !status || (action !== "up" && !status.exists);
    }
  };

  async function refresh(): Promise<void> {
    clearTimeout(timer);
    const reach = await findAgent();
    if (reach.kind !== "ready") {
      offline.hidden = false;
      nodesTable.hidden = true;
      summary.textContent =
        reach.kind === "absent"
          ? "No Drydock agent serves this page."
          : `No access to the agent: ${reach.error.hint ?? reach.error.message}`;
      root.dataset.state = "offline";
      return;
    }
    offline.hidden = true;
    if (reach.agent.learner) return refreshSeat();
    try {
      status = await fetchLabStatus();
      renderNodes(status);
      if (!busy) summary.textContent = summarize(status);
      root.dataset.state = status.healthy ? "healthy" : status.exists ? "degraded" : "absent";
      await renderSwarm(status);
    } catch (err) {
      summary.textContent = `Could not read the lab: ${messageOf(err)}`;
      root.dataset.state = "error";
    }
    setButtons();
    schedule();
  }

  /**
   * A workshop learner's page: their own lab, which the agent starts and removes (no start, reset
   * or swarm buttons of the lead's lab here); the workshop page restarts a failed or reaped one.
   */
  async function refreshSeat(): Promise<void> {
    for (const b of buttons) b.hidden = true;
    nodesTable.hidden = true;
    try {
      const me = await getJson("/api/workshop/me", MeAnswer);
      summary.textContent = `${labLine(me)}${me.lab.state === "ready" ? "" : " See the workshop page (Join a workshop)."}`;
      root.dataset.state =
        me.lab.state === "ready" ? "healthy" : me.lab.state === "provisioning" ? "degraded" : "absent";
      root.dataset.workshopLab = me.lab.id ?? me.learner.lab;
    } catch (err) {
      summary.textContent = `Could not read your workshop lab: ${messageOf(err)}`;
      root.dataset.state = "error";
    }
    schedule();
  }

  function schedule(): void {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Only poll while someone can see it.
      if (document.visibilityState === "visible" && root.offsetParent !== null && !busy) void refresh();
      else schedule();
    }, POLL_MS);
  }

  function renderNodes(s: LabStatus): void {
    nodesTable.hidden = false;
    nodesBody.replaceChildren(
      ...s.nodes.map((n) => {
        const tr = document.createElement("tr");
        tr.dataset.role = n.role;
        tr.dataset.healthy = String(n.healthy);
        const engine = n.healthy
          ? `${n.role === "registry" ? "answers" : "healthy"}${n.version && n.role !== "registry" ? ` · ${n.version}` : ""}`
          : (n.error ?? n.state);
        const swarmRole = n.swarm?.role ?? (n.role === "registry" ? "" : (n.swarm?.state ?? "—"));
        tr.append(
          cell("th", n.role, { scope: "row" }),
          cell("td", n.state),
          cell("td", `${n.healthy ? "●" : "○"} ${engine}`, { "data-tone": n.healthy ? "ok" : "bad" }),
          cell("td", swarmRole || "—"),
        );
        return tr;
      }),
    );
  }

  async function renderSwarm(s: LabStatus): Promise<void> {
    const managers = s.nodes.filter((n) => n.swarm?.role === "manager");
    swarm.hidden = managers.length === 0;
    if (swarm.hidden) return;
    const grid = swarm.querySelector<HTMLElement>("[data-grid]") as HTMLElement;
    const note = swarm.querySelector<HTMLElement>("[data-note]") as HTMLElement;
    let view: SwarmView;
    try {
      view = await fetchSwarmView();
    } catch (err) {
      grid.replaceChildren();
      note.hidden = false;
      note.textContent =
        err instanceof AgentRequestError && err.status === 404
          ? "This agent does not report swarm services yet; use `docker service ls` on manager-1."
          : `Could not read the swarm: ${messageOf(err)}`;
      return;
    }
    note.hidden = view.services.length > 0;
    note.textContent = "No services yet: deploy a stack on manager-1.";
    grid.replaceChildren(taskGrid(view));
  }

  function onLine(line: ProgressLine): void {
    const li = document.createElement("li");
    switch (line.kind) {
      case "step": {
        li.dataset.step = line.id;
        li.dataset.tone = "busy";
        li.textContent = `${line.title}…`;
        summary.textContent = `${line.title}…`;
        progress.append(li);
        return;
      }
      case "done": {
        const item = progress.querySelector<HTMLElement>(`li[data-step="${CSS.escape(line.id)}"]`) ?? li;
        item.dataset.tone = "ok";
        item.textContent = `✓ ${line.title} (${line.seconds.toFixed(1)} s)${line.note ? ` — ${line.note}` : ""}`;
        if (!item.isConnected) progress.append(item);
        return;
      }
      case "log": {
        const item = progress.querySelector<HTMLElement>(`li[data-step="${CSS.escape(line.id)}"]`);
        if (item) item.title = line.line; // the latest build line, without flooding the list
        return;
      }
      case "info":
      case "warn":
        li.dataset.tone = line.kind === "warn" ? "bad" : "idle";
        li.textContent = line.message;
        progress.append(li);
        return;
      case "result":
        li.dataset.tone = "ok";
        li.textContent = "Done.";
        progress.append(li);
        return;
      case "error":
        li.dataset.tone = "bad";
        li.textContent = `${line.error.message}${line.error.hint ? ` ${line.error.hint}` : ""}`;
        progress.append(li);
        return;
    }
  }

  async function act(action: LabAction): Promise<void> {
    if (
      (action === "reset" || action === "down") &&
      !window.confirm(
        action === "reset"
          ? "Reset gives every node a fresh engine: containers, images and the swarm on them are gone (your workspace and the registry stay). Reset now?"
          : "Remove the lab's containers, network and volumes? Your workspace stays.",
      )
    ) {
      return;
    }
    busy = true;
    setButtons();
    root.dataset.busy = action;
    progress.hidden = false;
    progress.replaceChildren();
    try {
      const last = await runLabAction(action, onLine);
      summary.textContent = last.kind === "error" ? `Failed: ${last.error.message}` : "Done.";
    } catch (err) {
      onLine({ kind: "error", error: { code: "network", message: messageOf(err) } });
    } finally {
      busy = false;
      delete root.dataset.busy;
      await refresh();
    }
  }

  for (const b of buttons) b.addEventListener("click", () => void act(b.dataset.action as LabAction));
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && !busy) void refresh();
  });
  void refresh();
  return { refresh };
}

function summarize(s: LabStatus): string {
  if (!s.exists) return `Lab “${s.lab}” is not running. Press Start lab.`;
  const engines = s.nodes.filter((n) => n.role !== "registry");
  const up = engines.filter((n) => n.healthy).length;
  const inSwarm = engines.filter((n) => n.swarm?.state === "active").length;
  const swarmText = inSwarm > 0 ? `; ${inSwarm} in the swarm` : "";
  return s.healthy
    ? `Lab “${s.lab}” is up: ${up} engines healthy${swarmText}.`
    : `Lab “${s.lab}”: ${up} of ${engines.length} engines healthy. Start lab repairs it.`;
}

function taskGrid(view: SwarmView): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "dd-grid";
  const caption = document.createElement("caption");
  caption.textContent = "Tasks by service and node";
  const nodes = [...view.nodes].sort((a, b) => a.hostname.localeCompare(b.hostname));
  const head = document.createElement("tr");
  head.append(
    cell("th", "service", { scope: "col" }),
    ...nodes.map((n) =>
      cell("th", `${n.hostname}${n.availability !== "active" ? ` (${n.availability})` : ""}`, {
        scope: "col",
      }),
    ),
  );
  const rows = view.services.map((svc) => {
    const tr = document.createElement("tr");
    tr.dataset.service = svc.name;
    tr.append(cell("th", `${svc.name} ${svc.running}/${svc.desired}`, { scope: "row", title: svc.image }));
    for (const node of nodes) {
      const td = document.createElement("td");
      for (const t of view.tasks.filter((t) => t.serviceId === svc.id && t.nodeId === node.id)) {
        if (t.desiredState === "shutdown" && t.state !== "running") continue; // history, not the present
        const chip = document.createElement("span");
        chip.className = "dd-chip";
        chip.dataset.tone =
          t.state === "running" ? "ok" : t.state === "failed" || t.state === "rejected" ? "bad" : "busy";
        chip.textContent = `${t.slot ?? ""} ${t.state}`.trim();
        if (t.error) chip.title = t.error;
        td.append(chip);
      }
      tr.append(td);
    }
    return tr;
  });
  const thead = document.createElement("thead");
  thead.append(head);
  const tbody = document.createElement("tbody");
  tbody.append(...rows);
  table.append(caption, thead, tbody);
  return table;
}

function cell(tag: "td" | "th", text: string, attrs: Record<string, string> = {}): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
