import * as z from "zod/mini";
import { TERMINAL_NODES } from "./agent-api.ts";

/**
 * The terminal WebSocket protocol, client side (lab-agent/src/terminal/README.md and
 * protocol.ts). The agent's text frames are parsed with these schemas; a contract test
 * (site/test/protocol-contract.test.ts) runs the same sample frames through both sides.
 */

export const TerminalInfo = z.object({
  id: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  node: z.enum(TERMINAL_NODES),
  cols: z.number(),
  rows: z.number(),
  createdAt: z.string(),
  clients: z.number(),
  exitCode: z.nullable(z.number()),
});
export type TerminalInfo = z.infer<typeof TerminalInfo>;

export const Role = z.enum(["controller", "viewer"]);
export type Role = z.infer<typeof Role>;

export const ServerFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("ready"),
    terminal: TerminalInfo,
    replayBytes: z.number(),
    role: Role,
    controlFree: z.boolean(),
  }),
  z.object({ type: z.literal("role"), role: Role, controlFree: z.boolean() }),
  z.object({ type: z.literal("size"), cols: z.number(), rows: z.number() }),
  z.object({ type: z.literal("exit"), code: z.number(), signal: z.nullable(z.number()) }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
  z.object({ type: z.literal("pong"), t: z.optional(z.number()) }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

export type ClientFrame =
  | { type: "open"; ticket: string; node: (typeof TERMINAL_NODES)[number]; cols: number; rows: number }
  | { type: "attach"; ticket: string; terminalId: string; cols: number; rows: number }
  | { type: "watch"; ticket: string; terminalId: string; cols: number; rows: number }
  | { type: "release" }
  | { type: "take" }
  | { type: "input"; data: string }
  | { type: "resize"; cols: number; rows: number }
  | { type: "ack"; bytes: number }
  | { type: "ping"; t?: number };

/** The agent refuses bigger `input.data`; longer pastes go in pieces. */
export const MAX_INPUT_CHARS = 32 * 1024;

/** Close codes after which reconnecting cannot help. */
export const FINAL_CLOSE_CODES = new Set([1000, 1003, 1008, 1009]);

export function parseServerFrame(text: string): ServerFrame | undefined {
  try {
    const parsed = ServerFrame.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Splits text into pieces the agent accepts, never inside a UTF-16 surrogate pair. */
export function splitInput(data: string, max = MAX_INPUT_CHARS): string[] {
  const pieces: string[] = [];
  let rest = data;
  while (rest.length > max) {
    let cut = max;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/** A command as keystrokes: Ctrl-C first if asked, line breaks as Enter, Enter at the end. */
export function commandKeys(command: string, ctrlC: boolean): string {
  const body = command.replace(/\r?\n/g, "\r").replace(/\r+$/, "");
  return `${ctrlC ? "\x03" : ""}${body}\r`;
}
