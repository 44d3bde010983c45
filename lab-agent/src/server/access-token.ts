import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** 256 bits from the OS's CSPRNG, base64url (43 characters). */
export function newAccessToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Where the running agent's token is kept (0600), for scripts and tests on this machine. */
export function tokenPath(home: string): string {
  return join(home, "agent-token");
}

export function writeAccessToken(home: string, token: string): string {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const path = tokenPath(home);
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // the mode above only applies to a new file
  return path;
}

/**
 * Constant-time comparison: both sides are hashed first, so the compared buffers always
 * have equal length and neither length nor content leaks through timing.
 */
export function tokenMatches(candidate: string | undefined, token: string): boolean {
  if (!candidate) return false;
  const a = createHash("sha256").update(candidate).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}
