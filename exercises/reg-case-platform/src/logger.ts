import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Paths that may carry credentials. Config objects are logged under `config`, and pg/redis
 * options under `options`; anything matching is replaced before the line is written.
 */
export const redactPaths = [
  "config.database.url",
  "config.redis.url",
  "*.connectionString",
  "*.password",
  "*.url",
  "password",
  "url",
  "connectionString",
  "req.headers.authorization",
  "req.headers.cookie",
];

/** JSON lines on stdout, written synchronously so nothing is lost when the process exits. */
export function createLogger(options: { level: string; mode: string }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: "reg-case-platform", mode: options.mode, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths, censor: "[redacted]" },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

/** A URL safe to log: the password (if any) is masked. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
