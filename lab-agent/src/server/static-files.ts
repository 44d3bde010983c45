import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { contentSecurityPolicy } from "./security-headers.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".wasm": "application/wasm",
  ".pf_meta": "application/octet-stream",
};

/**
 * Serves the built site (Astro's `dist/`, directory format: /hour-3/ → hour-3/index.html).
 * Paths are resolved inside the root and nothing outside it is ever read.
 */
export function serveStatic(root: string, pathname: string, res: ServerResponse, head: boolean): void {
  const file = resolveFile(root, pathname);
  if (!file) {
    const notFound = join(root, "404.html");
    if (existsSync(notFound)) {
      sendFile(notFound, 404, res, head);
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" });
    res.end("Not found.\n");
    return;
  }
  sendFile(file, 200, res, head);
}

export function resolveFile(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0")) return undefined;
  const base = resolve(root);
  const target = resolve(base, `.${sep}${normalize(decoded)}`);
  if (target !== base && !target.startsWith(base + sep)) return undefined;
  for (const candidate of [target, join(target, "index.html"), `${target}.html`]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return undefined;
}

/** Inline `<script>` bodies (no `src`), exactly as the browser hashes them. */
const INLINE_SCRIPT = /<script\b(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script\s*>/gi;

export function inlineScriptHashes(html: string): string[] {
  const hashes = new Set<string>();
  for (const m of html.matchAll(INLINE_SCRIPT)) {
    const body = m[1] ?? "";
    if (body.trim()) hashes.add(createHash("sha256").update(body, "utf8").digest("base64"));
  }
  return [...hashes];
}

const pageCsp = new Map<string, { mtimeMs: number; size: number; csp: string }>();

/** The page's CSP: its own inline scripts allowed by hash, nothing else inline. */
function cspOf(file: string): string {
  const st = statSync(file);
  const cached = pageCsp.get(file);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.csp;
  const csp = contentSecurityPolicy(inlineScriptHashes(readFileSync(file, "utf8")));
  pageCsp.set(file, { mtimeMs: st.mtimeMs, size: st.size, csp });
  return csp;
}

function sendFile(file: string, status: number, res: ServerResponse, head: boolean): void {
  const type = TYPES[extname(file).toLowerCase()] ?? "application/octet-stream";
  const size = statSync(file).size;
  if (type.startsWith("text/html")) res.setHeader("Content-Security-Policy", cspOf(file));
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": size,
    // Astro fingerprints its assets under /_astro/; pages are re-read each time.
    "Cache-Control": file.includes(`${sep}_astro${sep}`)
      ? "private, max-age=31536000, immutable"
      : "no-cache",
  });
  if (head) {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
