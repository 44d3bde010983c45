import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * What a built page makes the browser download as JavaScript before anyone interacts with it:
 * its inline scripts and its module scripts with everything they import statically. Dynamic
 * `import()` chunks (xterm, the lab panel's code, search) are listed apart, as "lazy".
 * Used by `npm run bench -- site` and by the site's build test.
 */

export interface PageWeight {
  page: string;
  /** Inline and statically imported JavaScript, gzip bytes. */
  initialGzip: number;
  initialFiles: string[];
  /** Chunks reachable only through dynamic import(), gzip bytes. */
  lazyGzip: number;
  lazyFiles: string[];
}

const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
const STATIC_IMPORT = /(?:^|[;\n}])\s*(?:import|export)\s*(?:[\w*${}\s,]+from\s*)?["']([^"']+\.m?js)["']/g;
const DYNAMIC_IMPORT = /import\(\s*["']([^"']+\.m?js)["']\s*\)/g;

export function gzipSize(text: string | Buffer): number {
  return gzipSync(text).length;
}

/** Built pages as URL paths ("/", "/hours/h03-04/") → their HTML file. */
export function builtPages(dist: string): Map<string, string> {
  const pages = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".html")) {
        const rel = relative(dist, path).split("\\").join("/");
        const url = rel === "index.html" ? "/" : `/${rel.replace(/index\.html$/, "").replace(/\.html$/, "")}`;
        pages.set(url, path);
      }
    }
  };
  walk(dist);
  return pages;
}

export function pageWeight(dist: string, page: string): PageWeight {
  const htmlFile = builtPages(dist).get(page);
  if (!htmlFile) throw new Error(`no built page ${page} in ${dist}`);
  const html = readFileSync(htmlFile, "utf8");
  let initialGzip = 0;
  const initial = new Set<string>();
  const lazy = new Set<string>();

  const visit = (url: string, into: Set<string>) => {
    if (initial.has(url) || into.has(url)) return;
    const file = join(dist, url);
    if (!existsSync(file)) return;
    into.add(url);
    const code = readFileSync(file, "utf8");
    for (const m of code.matchAll(STATIC_IMPORT)) visit(resolveUrl(url, m[1] as string), into);
    for (const m of code.matchAll(DYNAMIC_IMPORT)) visit(resolveUrl(url, m[1] as string), lazy);
  };

  for (const m of html.matchAll(SCRIPT)) {
    const attrs = m[1] ?? "";
    const type = /type=["']?([^"'\s>]+)/i.exec(attrs)?.[1];
    if (type && type !== "module" && type !== "text/javascript") continue; // JSON, speculation rules…
    const src = /src=["']?([^"'\s>]+)/i.exec(attrs)?.[1];
    if (src) {
      if (src.startsWith("/")) visit(src, initial);
      continue;
    }
    const body = m[2] ?? "";
    if (!body.trim()) continue;
    initialGzip += gzipSize(body);
    // Astro inlines small module scripts; they may still import chunks.
    for (const i of body.matchAll(STATIC_IMPORT)) visit(resolveUrl(page, i[1] as string), initial);
    for (const i of body.matchAll(DYNAMIC_IMPORT)) visit(resolveUrl(page, i[1] as string), lazy);
  }
  for (const url of initial) lazy.delete(url);
  const sum = (urls: Set<string>) => [...urls].reduce((n, u) => n + gzipSize(readFileSync(join(dist, u))), 0);
  return {
    page,
    initialGzip: initialGzip + sum(initial),
    initialFiles: [...initial],
    lazyGzip: sum(lazy),
    lazyFiles: [...lazy],
  };
}

function resolveUrl(from: string, spec: string): string {
  if (spec.startsWith("/")) return spec;
  const base = from.endsWith("/") ? from : dirname(from);
  return posix.normalize(posix.join(base, spec));
}
