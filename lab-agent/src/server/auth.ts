import type { IncomingMessage } from "node:http";
import { tokenMatches } from "./access-token.ts";

/**
 * How a request proves it comes from the person who started the agent: the
 * `Authorization: Bearer <token>` header, and nothing ambient. There is no cookie on
 * purpose: cookies are scoped by host, not by port, so a browser would hand one to every
 * other server on 127.0.0.1 (a dev server, another user's listener), and that server could
 * replay it. The page gets the token from the launch URL's fragment (`/#token=…`, never
 * sent to any server), keeps it in this origin's localStorage (per scheme, host and port)
 * and sends it as a header; WebSockets and event streams, which cannot carry a header from
 * a browser, present a single-use ticket instead (tickets.ts).
 */
export function credentialOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (!auth) return undefined;
  return /^Bearer\s+(\S+)$/i.exec(auth)?.[1];
}

export function isAuthenticated(req: IncomingMessage, token: string): boolean {
  return tokenMatches(credentialOf(req), token);
}

/** The agent's token: whoever started it (in a workshop, the lead). Every route is theirs. */
export const TOKEN_CREDENTIAL = "token";

/**
 * No credential at all: allowed on `POST /api/workshop/join` only, which hands a learner theirs.
 * Everything else still answers 401.
 */
export const ANONYMOUS_CREDENTIAL = "anonymous";

/** A workshop learner, by roster id: the learner routes only, never the lead's nor another learner's. */
export function learnerCredential(id: string): string {
  return `learner:${id}`;
}

export function learnerIdOf(credential: string): string | undefined {
  return credential.startsWith("learner:") ? credential.slice("learner:".length) : undefined;
}
