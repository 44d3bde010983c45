import { DrydockError, ErrorCode } from "../common/errors.ts";

/**
 * The request target as a URL, or a 400. Only origin-form targets (`/path?query`) are
 * served: `//[`, `http://[` (absolute form) or a path with a bad percent-encoding are the
 * client's mistake, answered 400 without echoing the target (it may carry a credential).
 */
export function parseTarget(target: string | undefined): URL {
  const raw = target ?? "/";
  if (!raw.startsWith("/") || raw.startsWith("//")) throw badTarget("it must be a path starting with one /");
  let url: URL;
  try {
    url = new URL(raw, "http://agent.invalid");
  } catch {
    throw badTarget("it is not a valid URL path");
  }
  if (url.host !== "agent.invalid") throw badTarget("it names another host");
  try {
    decodeURIComponent(url.pathname);
  } catch {
    throw badTarget("its percent-encoding is malformed");
  }
  return url;
}

/** The path without query, for logs (never the query: it may hold a ticket). */
export function safePath(target: string | undefined): string {
  const path = (target ?? "/").split("?")[0] ?? "/";
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

function badTarget(why: string): DrydockError {
  return new DrydockError(ErrorCode.usage, `Bad request target: ${why}.`, {
    hint: "Request a path of this agent, e.g. /api/version.",
  });
}
