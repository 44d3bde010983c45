/**
 * Secret-looking values in ENV, ARG and build history. Keys follow dockle's and Trivy's
 * lists; `*_FILE` variables that point at a file are the fix, not a finding. Values are
 * never shown whole.
 */
const SECRET_KEY =
  /(^|_)(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH)(_|$)|^(DATABASE|REDIS|MONGO(DB)?|AMQP)_URL$/i;
/** Keys that match the pattern but are public by design. */
const ALLOWED_KEYS = new Set(["GPG_KEY", "NODE_AUTH_TOKEN_FILE"]);
/** A URL with a password in it: scheme://user:password@host */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:([^@\s]+)@/i;

export interface SecretFinding {
  where: string;
  key: string;
  masked: string;
}

export function mask(value: string): string {
  if (value.length <= 4) return "****";
  return `${value.slice(0, 2)}…${value.slice(-1)} (${value.length} chars)`;
}

/** A `KEY=value` pair is a secret when the key says so and the value is not empty or a file path. */
export function secretInPair(key: string, value: string): boolean {
  if (value === "" || ALLOWED_KEYS.has(key.toUpperCase())) return false;
  if (/_FILE$/i.test(key)) return false;
  if (URL_WITH_PASSWORD.test(value)) return true;
  if (/_URL$/i.test(key)) return false; // a URL without a password is configuration
  return SECRET_KEY.test(key);
}

export function scanEnv(env: readonly string[], where: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const pair of env) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    if (secretInPair(key, value)) found.push({ where, key, masked: mask(value) });
  }
  return found;
}

/**
 * Build history lines: BuildKit writes `ARG K=v`, `ENV K=v`, and every ARG in scope as a
 * `RUN |N K=v … /bin/sh -c …` prefix, so a `--build-arg TOKEN=…` leaks even if never used.
 */
export function scanHistory(createdBy: readonly string[]): SecretFinding[] {
  const found: SecretFinding[] = [];
  createdBy.forEach((line, i) => {
    const where = `history[${i}]`;
    const text = line.replace(/^\/bin\/sh -c #\(nop\)\s+/, "");
    const decl = /^(ARG|ENV)\s+(.*)$/.exec(text);
    const runArgs = /^(?:RUN\s+)?\|\d+\s+(.*?)\s+\/bin\/sh -c /.exec(text);
    const pairs = decl?.[2] ?? runArgs?.[1];
    if (!pairs) return;
    for (const m of pairs.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|\S*)/g)) {
      const key = m[1] as string;
      const value = (m[2] ?? "").replace(/^["']|["']$/g, "");
      if (secretInPair(key, value)) found.push({ where, key, masked: mask(value) });
    }
  });
  return found;
}

/** Secret values (a URL's password, a secret-named variable's value) to look for in logs. */
export function secretValues(env: readonly string[]): string[] {
  const values: string[] = [];
  for (const pair of env) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const password = URL_WITH_PASSWORD.exec(value)?.[1];
    if (password && password.length >= 4) values.push(decodeURIComponent(password));
    else if (secretInPair(key, value) && value.length >= 6) values.push(value);
  }
  return values;
}
