import { mask, secretInPair, secretValues } from "../parsers/secret-scan.ts";

/**
 * Secrets in log lines. What counts as a secret is secret-scan's call (shared with the image
 * checks): values of the container's secret settings (its env and the files its `*_FILE`
 * settings name), `KEY=value` and JSON fields whose key names a secret, and URLs with a
 * password. This module only finds the candidates in text and skips masked values
 * (`[redacted]`, `***`), which a careful logger writes on purpose.
 */

export interface LogLine {
  stream: "stdout" | "stderr";
  text: string;
}

export interface LogFinding {
  stream: "stdout" | "stderr";
  line: number;
  why: string;
  /** The line with the secret masked. */
  shown: string;
}

/** Placeholders a logger writes instead of a secret. */
export function isMasked(value: string): boolean {
  const v = value.trim();
  return (
    v === "" ||
    /^(\*+|x{3,}|X{3,}|•+|\.{3}|…)$/.test(v) ||
    /^[[<({]?(redacted|filtered|hidden|masked|secret|removed)[\]>)}]?$/i.test(v) ||
    /^(%2A)+$/i.test(v) ||
    /^\$\{?[A-Z_][A-Z0-9_]*\}?$/.test(v)
  );
}

const URL_CANDIDATE = /[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]+:([^\s@"'<>]+)@[^\s"'<>]*/gi;
const PAIR_CANDIDATE = /\b([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s,;]+)/g;
/** Keys whose last word names a secret (a JSON field `tokenType` is not one; `apiToken` is). */
const SECRET_FIELD = /(PASSWORD|PASSWD|PASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?)$/;

function snake(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase();
}

function* stringFields(value: unknown, key = ""): Generator<[string, string]> {
  if (typeof value === "string") yield [key, value];
  else if (Array.isArray(value)) for (const v of value) yield* stringFields(v, key);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) yield* stringFields(v, k);
}

function maskIn(text: string, secret: string): string {
  return text.split(secret).join(mask(secret)).slice(0, 160);
}

/** Why a line leaks, or undefined. `known` are secret values the container was given. */
export function leakIn(text: string, known: readonly string[]): { why: string; secret: string } | undefined {
  for (const s of known)
    if (s && text.includes(s)) return { why: "a secret value from the container's settings", secret: s };
  for (const m of text.matchAll(URL_CANDIDATE)) {
    const password = m[1] ?? "";
    if (!isMasked(password) && secretInPair("LOG_URL", m[0]))
      return { why: "a URL with a password", secret: password };
  }
  for (const m of text.matchAll(PAIR_CANDIDATE)) {
    const key = m[1] ?? "";
    const value = (m[2] ?? "").replace(/^["']|["']$/g, "");
    if (
      !isMasked(value) &&
      value.length >= 6 &&
      !/_URL$/i.test(key) &&
      secretInPair(key.toUpperCase(), value)
    )
      return { why: `${key}=… in plain text`, secret: value };
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    try {
      for (const [k, v] of stringFields(JSON.parse(trimmed))) {
        const key = snake(k);
        if (SECRET_FIELD.test(key) && v.length >= 8 && !isMasked(v) && secretInPair(key, v))
          return { why: `the JSON field "${k}"`, secret: v };
      }
    } catch {
      // not JSON: the text checks above are all there is
    }
  }
  return undefined;
}

export function findLeaks(lines: readonly LogLine[], known: readonly string[]): LogFinding[] {
  const found: LogFinding[] = [];
  lines.forEach((l, i) => {
    const leak = leakIn(l.text, known);
    if (leak)
      found.push({ stream: l.stream, line: i + 1, why: leak.why, shown: maskIn(l.text, leak.secret) });
  });
  return found;
}

/** The secret values a container was given: secret-scan's pick from its env and its `*_FILE` files. */
export function knownSecrets(
  env: readonly string[],
  files: ReadonlyArray<{ key: string; text: string }>,
): string[] {
  const fromFiles = files.map((f) => `${f.key.replace(/_FILE$/, "")}=${f.text.trim()}`);
  return [...new Set(secretValues([...env, ...fromFiles]))];
}
