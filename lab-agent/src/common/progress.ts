/**
 * Long work reports what it is doing through a Progress, so the CLI can draw it
 * for a person and the server (later) can stream it to the page as events.
 */
export type ProgressEvent =
  | { kind: "step"; id: string; title: string }
  | { kind: "done"; id: string; title: string; seconds: number; note?: string }
  | { kind: "info"; message: string }
  | { kind: "warn"; message: string }
  | { kind: "log"; id: string; line: string };

export type Progress = (event: ProgressEvent) => void;

export const silentProgress: Progress = () => {};

/** Runs `work` as one named step: a start event, then a done event with its duration. */
export async function step<T>(
  progress: Progress,
  id: string,
  title: string,
  work: () => Promise<T>,
  note?: (result: T) => string | undefined,
): Promise<T> {
  progress({ kind: "step", id, title });
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const text = note?.(result);
  progress({ kind: "done", id, title, seconds, ...(text ? { note: text } : {}) });
  return result;
}

/** Keeps the last lines of a stream of output, for error messages. */
export class LogTail {
  private readonly lines: string[] = [];
  constructor(private readonly max = 25) {}

  push(text: string): void {
    for (const line of text.split(/\r?\n/)) {
      if (line.trim() === "") continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  toString(): string {
    return this.lines.join("\n");
  }
}
