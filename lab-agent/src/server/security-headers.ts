import type { ServerResponse } from "node:http";

/**
 * Headers on every answer. The page may talk only to this agent (connect-src 'self'
 * covers its own ws:), may not be framed (a live root shell must not be clickjacked),
 * and never evaluates strings as JavaScript. Inline scripts and styles are allowed because
 * Astro inlines small ones; there is no CORS header at all, so other origins cannot read.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // 'wasm-unsafe-eval' lets the site's search (Pagefind) compile WebAssembly; JS eval stays off.
  "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  // The opening URL carries the token; never send it on as a Referer.
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}
