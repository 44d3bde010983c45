import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newAccessToken, tokenMatches } from "../../src/server/access-token.ts";
import { credentialOf } from "../../src/server/auth.ts";
import { hostAllowed, originAllowed, requestGuard } from "../../src/server/request-guard.ts";
import { resolveFile } from "../../src/server/static-files.ts";

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe("access token", () => {
  it("is 256 random bits and compares only equal", () => {
    const token = newAccessToken();
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(newAccessToken()).not.toBe(token);
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(`${token}x`, token)).toBe(false);
    expect(tokenMatches("", token)).toBe(false);
    expect(tokenMatches(undefined, token)).toBe(false);
  });

  it("is read from a Bearer header only: never from a cookie (other local servers would get it)", () => {
    expect(credentialOf(req({ authorization: "Bearer abc" }))).toBe("abc");
    expect(credentialOf(req({ cookie: "a=1; drydock_token_4600=xyz" }))).toBeUndefined();
    expect(credentialOf(req({ authorization: "Basic abc" }))).toBeUndefined();
  });
});

describe("Host and Origin allow-lists", () => {
  const guard = requestGuard("127.0.0.1", 4600);
  it("accepts the loopback names with the port, nothing else", () => {
    for (const host of ["localhost:4600", "127.0.0.1:4600", "[::1]:4600"]) {
      expect(hostAllowed(req({ host }), guard)).toBe(true);
    }
    for (const host of ["evil.test:4600", "127.0.0.1:4601", "127.0.0.1", "localhost.evil.test:4600"]) {
      expect(hostAllowed(req({ host }), guard)).toBe(false);
    }
    expect(hostAllowed(req({}), guard)).toBe(false);
  });

  it("matches Origin exactly: scheme, host and port", () => {
    expect(originAllowed(req({ origin: "http://127.0.0.1:4600" }), guard)).toBe(true);
    expect(originAllowed(req({}), guard)).toBe(true);
    for (const origin of ["http://127.0.0.1:4321", "https://127.0.0.1:4600", "http://evil.test", "null"]) {
      expect(originAllowed(req({ origin }), guard)).toBe(false);
    }
  });
});

describe("static files", () => {
  it("resolve inside the site only", () => {
    const root = mkdtempSync(join(tmpdir(), "drydock-site-"));
    mkdirSync(join(root, "hour-3"));
    writeFileSync(join(root, "index.html"), "home");
    writeFileSync(join(root, "hour-3", "index.html"), "hour 3");
    writeFileSync(join(root, "..", "secret.txt"), "no");
    expect(resolveFile(root, "/")).toBe(join(root, "index.html"));
    expect(resolveFile(root, "/hour-3/")).toBe(join(root, "hour-3", "index.html"));
    expect(resolveFile(root, "/hour-3")).toBe(join(root, "hour-3", "index.html"));
    expect(resolveFile(root, "/../secret.txt")).toBeUndefined();
    expect(resolveFile(root, "/%2e%2e/secret.txt")).toBeUndefined();
    expect(resolveFile(root, "/%00")).toBeUndefined();
  });
});
