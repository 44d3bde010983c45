import { z } from "zod";
import { ENGINE_ROLES } from "../lab/lab-names.ts";

/**
 * The terminal WebSocket protocol (see README.md in this folder). Binary frames from
 * the agent are raw PTY output; every other frame is one JSON object of these types.
 */

/** 128-bit random, hex: unguessable, and safe in a URL or a log line. */
export const TerminalId = z.string().regex(/^[0-9a-f]{32}$/, "a terminal id is 32 hex digits");
export type TerminalId = z.infer<typeof TerminalId>;

export const TerminalNode = z.enum(ENGINE_ROLES);
export type TerminalNode = z.infer<typeof TerminalNode>;

export const Cols = z.number().int().min(2).max(500);
export const Rows = z.number().int().min(1).max(200);

/** Largest `input.data`, in characters: a generous paste; bigger pastes are split by the client. */
export const MAX_INPUT_CHARS = 32 * 1024;
/** Largest ack: the high watermark is far below it. */
const MAX_ACK = 64 * 1024 * 1024;

/** A single-use ticket from `POST /api/tickets` (43 base64url characters). */
export const Ticket = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a ticket is 43 base64url characters");

const Open = z
  .object({ type: z.literal("open"), ticket: Ticket, node: TerminalNode, cols: Cols, rows: Rows })
  .strict();
const Attach = z
  .object({ type: z.literal("attach"), ticket: Ticket, terminalId: TerminalId, cols: Cols, rows: Rows })
  .strict();
const Input = z.object({ type: z.literal("input"), data: z.string().min(1).max(MAX_INPUT_CHARS) }).strict();
const Resize = z.object({ type: z.literal("resize"), cols: Cols, rows: Rows }).strict();
const Ack = z.object({ type: z.literal("ack"), bytes: z.number().int().min(1).max(MAX_ACK) }).strict();
const Ping = z.object({ type: z.literal("ping"), t: z.number().optional() }).strict();
/** The controlling viewer gives control up; a viewer takes it when nobody holds it. */
const Release = z.object({ type: z.literal("release") }).strict();
const Take = z.object({ type: z.literal("take") }).strict();

/** The workshop lead watching a learner's terminal: output only, whatever the socket sends. */
const Watch = z
  .object({ type: z.literal("watch"), ticket: Ticket, terminalId: TerminalId, cols: Cols, rows: Rows })
  .strict();

/** The first frame on a socket: start a terminal, attach to a running one, or watch one read-only. */
export const HelloMessage = z.discriminatedUnion("type", [Open, Attach, Watch]);
export type HelloMessage = z.infer<typeof HelloMessage>;

/** Every later frame. */
export const ClientMessage = z.discriminatedUnion("type", [Input, Resize, Ack, Ping, Release, Take]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const TerminalInfo = z.object({
  id: TerminalId,
  node: TerminalNode,
  cols: Cols,
  rows: Rows,
  createdAt: z.string(),
  /** Sockets attached right now (several tabs may view one terminal). */
  clients: z.number().int(),
  /** Set once the shell has ended; the terminal stays listed for the grace period. */
  exitCode: z.number().int().nullable(),
});
export type TerminalInfo = z.infer<typeof TerminalInfo>;

/** `controller` types and sets the size; a `viewer` only watches. */
export const Role = z.enum(["controller", "viewer"]);
export type Role = z.infer<typeof Role>;

export const ServerMessage = z.discriminatedUnion("type", [
  /** Sent once after a good hello; the screen replay (binary) follows, then live output. */
  z.object({
    type: z.literal("ready"),
    terminal: TerminalInfo,
    replayBytes: z.number().int(),
    role: Role,
    controlFree: z.boolean(),
  }),
  /** This socket's role changed, or control became free or taken. */
  z.object({ type: z.literal("role"), role: Role, controlFree: z.boolean() }),
  /** The controller resized the terminal (sent to viewers, whose windows follow it). */
  z.object({ type: z.literal("size"), cols: Cols, rows: Rows }),
  z.object({ type: z.literal("exit"), code: z.number().int(), signal: z.number().int().nullable() }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
  z.object({ type: z.literal("pong"), t: z.number().optional() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** WebSocket close codes the agent uses. */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policy: 1008,
  tooBig: 1009,
  tryAgainLater: 1013,
} as const;

/** Parses one text frame; returns a readable reason instead of throwing. */
export function parseFrame<T>(
  schema: z.ZodType<T>,
  text: string,
): { ok: true; value: T } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "a frame is not valid JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
  return { ok: false, reason: `${where}${issue?.message ?? "invalid frame"}` };
}
