import type { ServerResponse } from "node:http";
import { type DrydockError, toDrydockError } from "../common/errors.ts";
import type { Progress, ProgressEvent } from "../common/progress.ts";

/**
 * A long lab step streamed as NDJSON: one JSON object per line, as it happens.
 * `{"kind":"step"|"done"|"info"|"warn"|"log",…}` are the lab's Progress events; the last
 * line is `{"kind":"result","result":…}` or `{"kind":"error","error":{code,message,hint}}`.
 * (The HTTP status is 200 once streaming starts, so the outcome is in that last line.)
 */
export type StreamLine =
  | ProgressEvent
  | { kind: "result"; result: unknown }
  | { kind: "error"; error: ReturnType<DrydockError["toJSON"]> };

export async function streamProgress<T>(
  res: ServerResponse,
  work: (progress: Progress) => Promise<T>,
): Promise<void> {
  res.writeHead(200, {
    "Content-Type": "application/x-ndjson; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",
  });
  const write = (line: StreamLine) => {
    if (!res.writableEnded) res.write(`${JSON.stringify(line)}\n`);
  };
  try {
    const result = await work((event) => write(event));
    write({ kind: "result", result });
  } catch (err) {
    write({ kind: "error", error: toDrydockError(err).toJSON() });
  }
  res.end();
}
