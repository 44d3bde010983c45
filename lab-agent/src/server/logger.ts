import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pino, { type Logger } from "pino";

/** Paths pino blanks in every log line: nothing secret is ever written. */
export const REDACT_PATHS = [
  "token",
  "*.token",
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
  "res.headers['set-cookie']",
  "url",
];

/**
 * The agent's log: everything at info and above to `<home>/logs/agent.log`, and
 * warnings (refused requests, failures) also on stderr.
 */
export function agentLogger(home: string, opts: { verbose?: boolean } = {}): Logger {
  const dir = join(home, "logs");
  mkdirSync(dir, { recursive: true });
  return pino(
    { level: opts.verbose ? "debug" : "info", redact: { paths: REDACT_PATHS, censor: "[redacted]" } },
    pino.multistream([
      {
        level: opts.verbose ? "debug" : "info",
        stream: pino.destination({ dest: join(dir, "agent.log"), mkdir: true }),
      },
      { level: "warn", stream: { write: (line: string) => process.stderr.write(humanLine(line)) } },
    ]),
  );
}

/** Warnings on stderr are for a person: the message, not the JSON record. */
function humanLine(line: string): string {
  try {
    const record = JSON.parse(line) as { msg?: string };
    return `! ${record.msg ?? line.trim()}\n`;
  } catch {
    return line;
  }
}
