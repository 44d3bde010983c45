import type { IncomingMessage } from "node:http";
import type { Logger } from "../logger.ts";

export type Method = "GET" | "POST";

export interface Reply {
  status: number;
  /** Serialized as JSON unless `text` is given. */
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

export interface RequestContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  log: Logger;
}

export interface Route {
  method: Method;
  /** A path template such as `/cases/:id`; also the `route` label in metrics. */
  path: string;
  handler: (ctx: RequestContext) => Promise<Reply> | Reply;
}

export type RouteMatch =
  | { kind: "found"; route: Route; params: Record<string, string> }
  | { kind: "wrong_method"; allowed: Method[] }
  | { kind: "none" };

export function matchRoute(routes: readonly Route[], method: string, pathname: string): RouteMatch {
  const segments = pathname.split("/").filter(Boolean);
  const allowed: Method[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (!params) continue;
    if (route.method === method || (method === "HEAD" && route.method === "GET")) {
      return { kind: "found", route, params };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: "wrong_method", allowed } : { kind: "none" };
}

function matchPath(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split("/").filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] ?? "";
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return undefined;
      }
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}
