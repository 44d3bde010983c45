import type { IncomingMessage } from "node:http";
import { tokenMatches } from "./access-token.ts";

/**
 * How a request proves it comes from the person who started the agent:
 * - scripts and tests send `Authorization: Bearer <token>`;
 * - the browser opens the printed URL `/?token=<token>` once; the agent answers with
 *   an HttpOnly, SameSite=Strict cookie and a redirect to the same path without the
 *   token (so it leaves the address bar and history). Later page loads, API calls and
 *   the terminal WebSocket carry the cookie. Cookies are not port-scoped, which is why
 *   every request with an Origin must also match the agent's own origin exactly.
 */
export function cookieName(port: number): string {
  return `drydock_token_${port}`;
}

export function credentialOf(req: IncomingMessage, port: number): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    return match?.[1];
  }
  return readCookie(req.headers.cookie, cookieName(port));
}

export function isAuthenticated(req: IncomingMessage, port: number, token: string): boolean {
  return tokenMatches(credentialOf(req, port), token);
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
