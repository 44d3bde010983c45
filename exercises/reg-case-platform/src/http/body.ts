import type { IncomingMessage } from "node:http";
import type { z } from "zod";
import { HttpError } from "../errors.ts";

const maxBodyBytes = 64 * 1024;

/** Reads a JSON request body and validates it; every failure is a 4xx with a clear message. */
export async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      "send the body as JSON with Content-Type: application/json",
    );
  }
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBodyBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  let data: unknown;
  try {
    data = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid_json", "the request body is not valid JSON");
  }
  return parseInput(schema, data, "body");
}

/** Validates input (a body or a query string) against a schema; issues become a 400. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, where: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || where,
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  throw new HttpError(400, "validation_failed", `invalid ${where}: ${summary}`, { issues });
}

function tooLarge(): HttpError {
  return new HttpError(413, "payload_too_large", `the request body exceeds ${maxBodyBytes} bytes`);
}
