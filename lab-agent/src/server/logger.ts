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
 * Tokens and tickets are 43 base64url characters (256 bits); any such run in a log line,
 * and any `token=`/`ticket=` value, is blanked before the line is written, whatever logged it
 * (an error message quoting a URL, a library's own fields). Longer runs (digests) are kept.
 */
const SECRET_RUN = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const SECRET_PARAM = /\b(token|ticket|authorization|cookie)(["']?\s*[=:]\s*["']?)(Bearer\s+)?[^\s"'&;,}]+/gi;

export function scrubSecrets(line: string): string {
  return line.replace(SECRET_PARAM, "$1$2[redacted]").replace(SECRET_RUN, "[redacted]");
}

/** Errors are logged by type, code, message and stack only: never `input` (a raw URL) or other fields. */
function errSerializer(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return { type: err.name, message: err.message, ...(code !== undefined ? { code } : {}), stack: err.stack };
}

/**
 * The agent's log: everything at info and above to `<home>/logs/agent.log`, and
 * warnings (refused requests, failures) also on stderr.
 */
export function agentLogger(home: string, opts: { verbose?: boolean } = {}): Logger {
  const dir = join(home, "logs");
  mkdirSync(dir, { recursive: true });
  return pino(
    {
      level: opts.verbose ? "debug" : "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: errSerializer },
      hooks: { streamWrite: scrubSecrets },
    },
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
