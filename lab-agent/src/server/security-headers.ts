import type { ServerResponse } from "node:http";

/**
 * Headers on every answer. The page may talk only to this agent (connect-src 'self'
 * covers its own ws:), may not be framed (a live root shell must not be clickjacked), and
 * runs only its own script files plus the inline scripts the build put in that very page,
 * each allowed by its SHA-256 (static-files.ts computes them per page). No 'unsafe-inline'
 * for scripts, so an injected `<script>` or `onclick=` does not run; styles keep it (Starlight
 * and Astro write `style=` attributes, which hashes cannot allow, and CSS cannot read the
 * token). There is no CORS header at all, so other origins cannot read answers.
 */
export function contentSecurityPolicy(scriptHashes: readonly string[] = []): string {
  return [
    "default-src 'self'",
    // 'wasm-unsafe-eval' lets the site's search (Pagefind) compile WebAssembly; JS eval stays off.
    `script-src 'self' 'wasm-unsafe-eval'${scriptHashes.map((h) => ` 'sha256-${h}'`).join("")}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  // Never tell another server which page linked to it.
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}
