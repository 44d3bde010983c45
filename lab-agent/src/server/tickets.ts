import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { BlockId } from "../exercises/exercise-schema.ts";
import { TerminalId, TerminalNode } from "../terminal/protocol.ts";

/**
 * Single-use tickets. A browser cannot put a header on a WebSocket or an EventSource, and
 * no cookie may carry the agent's authority (cookies are not port-scoped: every other
 * server on 127.0.0.1 would receive it). So a page that holds the token mints a ticket
 * with an authenticated `POST /api/tickets`, and presents it once: in the terminal
 * socket's first frame, or in the event stream's query. A ticket is 256 random bits,
 * valid for 30 s, bound to one purpose and its object (a node, a terminal, a block),
 * and gone after its first presentation, whether that presentation matched or not.
 * Only its SHA-256 is kept, so not even a heap dump holds a usable value.
 */
export const TICKET_TTL_MS = 30_000;
/** Unredeemed tickets one credential may hold at once. */
export const MAX_OUTSTANDING = 64;

export const TicketGrant = z.discriminatedUnion("purpose", [
  z.object({ purpose: z.literal("terminal-open"), node: TerminalNode }).strict(),
  z.object({ purpose: z.literal("terminal-attach"), terminalId: TerminalId }).strict(),
  /** The workshop lead only: a read-only view of any lab's terminal (workshop dashboard's "watch"). */
  z.object({ purpose: z.literal("terminal-watch"), terminalId: TerminalId }).strict(),
  z.object({ purpose: z.literal("check-events"), block: BlockId }).strict(),
]);
export type TicketGrant = z.infer<typeof TicketGrant>;

/** What a ticket looks like on the wire (43 base64url characters); anything else is refused unparsed. */
export const TicketValue = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a ticket is 43 base64url characters");

interface Entry {
  grant: TicketGrant;
  credential: string;
  expiresAt: number;
}

export interface Redeemed {
  grant: TicketGrant;
  /** Who minted it (for per-credential caps). */
  credential: string;
}

const digest = (ticket: string) => createHash("sha256").update(ticket).digest("hex");

export class TicketStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = TICKET_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  mint(credential: string, grant: TicketGrant): { ticket: string; expiresAt: string } {
    this.sweep();
    let held = 0;
    for (const e of this.entries.values()) if (e.credential === credential) held++;
    if (held >= MAX_OUTSTANDING) {
      throw new DrydockError(ErrorCode.tooMany, "Too many unused tickets.", {
        hint: `Use a ticket (within ${this.ttlMs / 1000} s) before asking for more.`,
      });
    }
    const ticket = randomBytes(32).toString("base64url");
    const expiresAt = this.now() + this.ttlMs;
    this.entries.set(digest(ticket), { grant, credential, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Takes a ticket for the given purpose and object. Throws `unauthorized` when it is
   * unknown, spent, expired or minted for something else; in every case it is spent now.
   */
  redeem(ticket: unknown, expected: TicketGrant): Redeemed {
    const value = TicketValue.safeParse(ticket);
    const key = value.success ? digest(value.data) : undefined;
    const entry = key ? this.entries.get(key) : undefined;
    if (key) this.entries.delete(key);
    if (!entry) throw refused("The ticket is unknown or was already used.");
    if (entry.expiresAt <= this.now()) throw refused("The ticket has expired.");
    if (!sameGrant(entry.grant, expected)) {
      throw refused(`The ticket was issued for ${describe(entry.grant)}, not ${describe(expected)}.`);
    }
    return { grant: entry.grant, credential: entry.credential };
  }

  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, e] of this.entries) if (e.expiresAt <= t) this.entries.delete(key);
  }
}

function sameGrant(a: TicketGrant, b: TicketGrant): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

function describe(g: TicketGrant): string {
  switch (g.purpose) {
    case "terminal-open":
      return `opening a terminal on ${g.node}`;
    case "terminal-attach":
      return `attaching to terminal ${g.terminalId.slice(0, 8)}…`;
    case "terminal-watch":
      return `watching terminal ${g.terminalId.slice(0, 8)}…`;
    case "check-events":
      return `the ${g.block} check events`;
  }
}

function refused(message: string): DrydockError {
  return new DrydockError(ErrorCode.unauthorized, message, {
    hint: "Ask for a new ticket (POST /api/tickets with the token) and use it within 30 s, once.",
  });
}
