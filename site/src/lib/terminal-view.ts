import { findAgent, type TerminalNode } from "./agent-api.ts";
import type { SessionState, TerminalSession } from "./terminal-session.ts";

/**
 * The behaviour behind <drydock-terminal>, loaded when a terminal is first shown. It asks
 * whether an agent serves this page; only then does it load xterm (terminal-session.ts).
 */

export interface TerminalParts {
  panelFor(node: TerminalNode): HTMLElement;
  showNotice(kind: "absent" | "no-token" | "none", message?: string): void;
  setState(node: TerminalNode, text: string, tone: "ok" | "busy" | "bad"): void;
}

export class TerminalView {
  private readonly sessions = new Map<TerminalNode, TerminalSession>();
  private lab = "default";

  constructor(private readonly parts: TerminalParts) {}

  /** Resolves false when there is no agent to talk to (the notice says how to start one). */
  async ensure(node: TerminalNode): Promise<TerminalSession | undefined> {
    const existing = this.sessions.get(node);
    if (existing) return existing;
    const reach = await findAgent();
    if (reach.kind === "absent") {
      this.parts.showNotice("absent");
      return undefined;
    }
    if (reach.kind === "no-token") {
      this.parts.showNotice("no-token", reach.error.hint ?? reach.error.message);
      return undefined;
    }
    this.parts.showNotice("none");
    this.lab = reach.agent.lab;
    const { TerminalSession } = await import("./terminal-session.ts");
    const again = this.sessions.get(node);
    if (again) return again;
    const session = new TerminalSession(this.parts.panelFor(node), {
      node,
      storageKey: `drydock.terminal.${this.lab}.${node}`,
      onState: (state) => this.parts.setState(node, describe(state), toneOf(state)),
    });
    this.sessions.set(node, session);
    return session;
  }

  get(node: TerminalNode): TerminalSession | undefined {
    return this.sessions.get(node);
  }
}

function describe(state: SessionState): string {
  switch (state.kind) {
    case "connecting":
      return "connecting…";
    case "connected":
      return "connected";
    case "viewing":
      return state.controlFree ? "view only; type to take control" : "view only (another tab is typing)";
    case "reconnecting":
      return `disconnected; retrying in ${state.inSeconds} s`;
    case "exited":
      return `shell ended (exit ${state.code})`;
    case "failed":
      return `failed: ${state.message}`;
  }
}

function toneOf(state: SessionState): "ok" | "busy" | "bad" {
  if (state.kind === "connected" || state.kind === "viewing") return "ok";
  if (state.kind === "connecting" || state.kind === "reconnecting") return "busy";
  return "bad";
}
