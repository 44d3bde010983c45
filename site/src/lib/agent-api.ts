import * as z from "zod/mini";
import { TOKEN_KEY } from "./token-key.ts";
import { storedSeat } from "./workshop-seat.ts";

/**
 * The agent's HTTP API as the page sees it (lab-agent/src/server/README.md). Every answer is
 * parsed here, so a changed agent shows up as a readable message instead of a broken page.
 * zod/mini keeps this small: it ships with the lab panel, not with text pages.
 */

export const AgentError = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.optional(z.string()),
  details: z.optional(z.string()),
});
export type AgentError = z.infer<typeof AgentError>;

const ErrorBody = z.object({ error: AgentError });

/** `learner`: the page acts as a workshop learner, on their own lab (`lab`). */
export const AgentVersion = z.object({
  name: z.literal("drydock"),
  version: z.string(),
  lab: z.string(),
  learner: z.optional(z.string()),
});
export type AgentVersion = z.infer<typeof AgentVersion>;

export const NODE_ROLES = ["registry", "laptop", "manager-1", "worker-1", "worker-2"] as const;
export const TERMINAL_NODES = ["laptop", "manager-1", "worker-1", "worker-2"] as const;
export type TerminalNode = (typeof TERMINAL_NODES)[number];

export const NodeStatus = z.object({
  role: z.enum(NODE_ROLES),
  container: z.nullable(z.string()),
  state: z.string(),
  healthy: z.boolean(),
  version: z.nullable(z.string()),
  swarm: z.nullable(
    z.object({
      state: z.string(),
      role: z.nullable(z.enum(["manager", "worker"])),
      nodeId: z.nullable(z.string()),
    }),
  ),
  endpoint: z.nullable(z.string()),
  error: z.nullable(z.string()),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

export const LabStatus = z.object({
  lab: z.string(),
  exists: z.boolean(),
  workspace: z.nullable(z.string()),
  privilegeMode: z.nullable(z.string()),
  nodes: z.array(NodeStatus),
  healthy: z.boolean(),
});
export type LabStatus = z.infer<typeof LabStatus>;

/** One line of a lab action's NDJSON stream: progress events, then a result or an error. */
export const ProgressLine = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("step"), id: z.string(), title: z.string() }),
  z.object({
    kind: z.literal("done"),
    id: z.string(),
    title: z.string(),
    seconds: z.number(),
    note: z.optional(z.string()),
  }),
  z.object({ kind: z.literal("info"), message: z.string() }),
  z.object({ kind: z.literal("warn"), message: z.string() }),
  z.object({ kind: z.literal("log"), id: z.string(), line: z.string() }),
  z.object({ kind: z.literal("result"), result: z.unknown() }),
  z.object({ kind: z.literal("error"), error: AgentError }),
]);
export type ProgressLine = z.infer<typeof ProgressLine>;

/** What the services × tasks grid needs: GET /api/swarm (an older agent answers 404). */
export const SwarmView = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      hostname: z.string(),
      role: z.enum(["manager", "worker"]),
      state: z.string(),
      availability: z.string(),
    }),
  ),
  services: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      image: z.string(),
      mode: z.enum(["replicated", "global"]),
      desired: z.number(),
      running: z.number(),
    }),
  ),
  tasks: z.array(
    z.object({
      id: z.string(),
      serviceId: z.string(),
      nodeId: z.nullable(z.string()),
      slot: z.nullable(z.number()),
      state: z.string(),
      desiredState: z.string(),
      error: z.nullable(z.string()),
    }),
  ),
});
export type SwarmView = z.infer<typeof SwarmView>;

export type LabAction = "up" | "reset" | "down" | "swarm";

/** Where the agent stands, as far as this page can tell. */
export type AgentReach =
  | { kind: "ready"; agent: AgentVersion }
  | { kind: "no-token"; error: AgentError }
  | { kind: "absent" };

export class AgentRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: AgentError,
  ) {
    super(error.message);
  }
}

/**
 * The agent's token, as the launch URL's fragment left it (PageFrame.astro moves it to
 * localStorage, per origin: other servers on this machine cannot read it). Sent only as an
 * `Authorization` header; nothing ambient (no cookie) carries it.
 */
export { TOKEN_KEY };

export function agentToken(): string | undefined {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

let leadPage = false;

/**
 * For the workshop lead's own pages (the dashboard): send the agent's token even where this
 * browser also holds a learner's seat.
 */
export function preferToken(): void {
  leadPage = true;
  reach = undefined;
}

/**
 * What this page sends: a workshop learner's credential once they joined here (workshop-seat.ts),
 * so the panels act on their own lab; else the agent's token. The lead's pages send the token.
 */
export function agentCredential(): string | undefined {
  if (!leadPage) {
    const seat = storedSeat();
    if (seat) return seat.credential;
  }
  return agentToken();
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const credential = agentCredential();
  return credential ? { ...extra, Authorization: `Bearer ${credential}` } : extra;
}

/** What a single-use ticket is for: a WebSocket hello or an event stream (≤ 30 s, once). */
export type TicketGrant =
  | { purpose: "terminal-open"; node: TerminalNode }
  | { purpose: "terminal-attach"; terminalId: string }
  | { purpose: "terminal-watch"; terminalId: string }
  | { purpose: "check-events"; block: string };

const TicketAnswer = z.object({ ticket: z.string(), expiresAt: z.string() });

/** Mints a ticket with the token; throws AgentRequestError (404: the terminal is gone). */
export async function mintTicket(grant: TicketGrant): Promise<string> {
  const res = await fetch("/api/tickets", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
    body: JSON.stringify(grant),
  });
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw new AgentRequestError(res.status, errorOf(res.status, body));
  const parsed = TicketAnswer.safeParse(body);
  if (!parsed.success) throw new AgentRequestError(res.status, errorOf(res.status, undefined));
  return parsed.data.ticket;
}

/** The URL of a block's check event stream, with a fresh ticket (EventSource cannot send headers). */
export async function checkEventsUrl(block: string): Promise<string> {
  const ticket = await mintTicket({ purpose: "check-events", block });
  return `/api/checks/${encodeURIComponent(block)}/events?ticket=${encodeURIComponent(ticket)}`;
}

let reach: Promise<AgentReach> | undefined;

/**
 * Is this page served by a Drydock agent? Hosted as plain docs, /api/version is missing
 * (or not JSON); served by the agent without the token (or an old one), it answers 401.
 */
export function findAgent(refresh = false): Promise<AgentReach> {
  if (!reach || refresh) {
    reach = (async (): Promise<AgentReach> => {
      try {
        const res = await fetch("/api/version", { headers: authHeaders({ Accept: "application/json" }) });
        const body: unknown = await res.json();
        if (res.ok) {
          const agent = AgentVersion.safeParse(body);
          return agent.success ? { kind: "ready", agent: agent.data } : { kind: "absent" };
        }
        const err = ErrorBody.safeParse(body);
        if (res.status === 401 && err.success) return { kind: "no-token", error: err.data.error };
        // A learner's seat the agent no longer takes (the workshop ended): say so, not "no agent".
        if (res.status === 410 && err.success) return { kind: "no-token", error: err.data.error };
        return { kind: "absent" };
      } catch {
        return { kind: "absent" };
      }
    })();
  }
  return reach;
}

export async function getJson<T>(path: string, schema: z.ZodMiniType<T>): Promise<T> {
  const res = await fetch(path, { headers: authHeaders({ Accept: "application/json" }) });
  return parseAnswer(path, res, schema);
}

/** POSTs JSON and parses the answer. */
export async function postJson<T>(path: string, body: unknown, schema: z.ZodMiniType<T>): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json", Accept: "application/json" }),
    body: JSON.stringify(body),
  });
  return parseAnswer(path, res, schema);
}

async function parseAnswer<T>(path: string, res: Response, schema: z.ZodMiniType<T>): Promise<T> {
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw new AgentRequestError(res.status, errorOf(res.status, body));
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AgentRequestError(res.status, {
      code: "bad-answer",
      message: `The agent's answer to ${path} is not what this page expects: ${parsed.error.issues[0]?.message}`,
      hint: "The course site and the agent may be from different versions: restart `npm start`.",
    });
  }
  return parsed.data;
}

function errorOf(status: number, body: unknown): AgentError {
  const err = ErrorBody.safeParse(body);
  return err.success ? err.data.error : { code: `http-${status}`, message: `The agent answered ${status}.` };
}

export const fetchLabStatus = () => getJson("/api/lab", LabStatus);
export const fetchSwarmView = () => getJson("/api/swarm", SwarmView);

/**
 * Runs a lab action and hands each streamed line to `onLine` as it arrives.
 * Resolves with the final line (result or error).
 */
export async function runLabAction(
  action: LabAction,
  onLine: (line: ProgressLine) => void,
): Promise<ProgressLine> {
  const res = await fetch(`/api/lab/${action}`, {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json", Accept: "application/x-ndjson" }),
    body: "{}",
  });
  if (!res.ok || !res.body) {
    const body: unknown = await res.json().catch(() => undefined);
    const last: ProgressLine = { kind: "error", error: errorOf(res.status, body) };
    onLine(last);
    return last;
  }
  let last: ProgressLine = {
    kind: "error",
    error: { code: "cut-off", message: "The agent stopped answering before the action finished." },
  };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    const lines = buffered.split("\n");
    buffered = done ? "" : (lines.pop() ?? "");
    for (const text of lines) {
      if (!text.trim()) continue;
      const parsed = ProgressLine.safeParse(safeJson(text));
      if (!parsed.success) continue; // a line this page does not know: skip it, keep the stream
      if (parsed.data.kind === "result" || parsed.data.kind === "error") last = parsed.data;
      onLine(parsed.data);
    }
    if (done) break;
  }
  return last;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
