import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { DrydockError, ErrorCode, type ErrorCode as ErrorCodeT } from "../common/errors.ts";

/** The HTTP status of each kind of failure. */
export const HTTP_STATUS: Record<ErrorCodeT, number> = {
  usage: 400,
  "not-found": 404,
  conflict: 409,
  "lab-state": 409,
  unauthorized: 401,
  forbidden: 403,
  "too-many": 429,
  "no-engine": 503,
  "node-engine": 503,
  "no-disk-space": 507,
  "image-build": 500,
  "engine-install": 500,
  "checks-failed": 200,
  "bad-exercise": 500,
  "workshop-full": 409,
  "event-ended": 410,
  internal: 500,
};

const MAX_BODY_BYTES = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  res.end(text);
}

/** `{error: {code, message, hint}}`, with the status that matches the code. */
export function sendError(res: ServerResponse, error: DrydockError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, HTTP_STATUS[error.code], { error: error.toJSON() });
}

/** Reads a JSON body (an empty body counts as `{}`) and parses it; a bad field is a 400 naming it. */
export async function readJsonBody<T>(
  req: IncomingMessage,
  schema: z.ZodType<T>,
  maxBytes = MAX_BODY_BYTES,
): Promise<T> {
  const type = req.headers["content-type"] ?? "";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new DrydockError(ErrorCode.usage, `The request body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  let json: unknown = {};
  if (text.trim() !== "") {
    // Requiring JSON also means a cross-site form cannot post here without a CORS preflight.
    if (!/^application\/json\b/i.test(type)) {
      throw new DrydockError(ErrorCode.usage, "The request body must be JSON.", {
        hint: "Send it with `Content-Type: application/json`.",
      });
    }
    try {
      json = JSON.parse(text);
    } catch {
      throw new DrydockError(ErrorCode.usage, "The request body is not valid JSON.");
    }
  }
  return parseOrBadRequest(schema, json, "body");
}

export function parseOrBadRequest<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 3).map((i) => {
    const field = i.path.length ? `\`${i.path.join(".")}\`` : `the ${what}`;
    return `${field}: ${i.message}`;
  });
  throw new DrydockError(ErrorCode.usage, `Invalid request ${what}: ${issues.join("; ")}.`, {
    hint: "Check the field named above against the API description in lab-agent/src/server/README.md.",
  });
}
