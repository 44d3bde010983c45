import type { IncomingMessage } from "node:http";

/**
 * Host and Origin allow-lists. The Host check stops DNS rebinding (a page on
 * evil.test whose name now resolves to 127.0.0.1); the exact Origin check stops
 * other sites, and other local servers, from driving the agent from a browser.
 */
export interface RequestGuard {
  hosts: ReadonlySet<string>;
  origins: ReadonlySet<string>;
}

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

export function isLoopbackHost(host: string): boolean {
  return ["localhost", "127.0.0.1", "::1", "[::1]"].includes(host.toLowerCase());
}

/** `host:port` values a request may name: the loopback names, plus the bind address if it is another. */
export function requestGuard(bindHost: string, port: number): RequestGuard {
  const names = new Set(LOOPBACK);
  if (!isLoopbackHost(bindHost) && bindHost !== "0.0.0.0" && bindHost !== "::") {
    names.add(bindHost.includes(":") ? `[${bindHost}]` : bindHost.toLowerCase());
  }
  const hosts = new Set([...names].map((n) => `${n}:${port}`));
  return { hosts, origins: new Set([...hosts].map((h) => `http://${h}`)) };
}

export function hostAllowed(req: IncomingMessage, guard: RequestGuard): boolean {
  const host = req.headers.host?.toLowerCase();
  return host !== undefined && guard.hosts.has(host);
}

/**
 * A request without Origin (a CLI client, or a browser's same-origin GET) passes;
 * one with an Origin must match exactly: scheme, host and port.
 */
export function originAllowed(req: IncomingMessage, guard: RequestGuard): boolean {
  const origin = req.headers.origin;
  return origin === undefined || guard.origins.has(origin);
}
