/**
 * Secret-looking values in ENV, ARG, build history and files. Names follow dockle's and
 * Trivy's lists (judged on the name's last words, so `AUTH_ENABLED`, `TOKEN_TTL` and
 * `PASSWORD_MIN_LENGTH` are settings, not secrets); values are judged too (a URL or a
 * connection string with a password, a private key, a known token format). `*_FILE`
 * variables that point at a file are the fix, not a finding. Values are never shown whole.
 */
const SECRET_WORD =
  /^(PASS|PASSWORD|PASSWD|PASSPHRASE|PWD|SECRET|SECRETS|TOKEN|CREDENTIAL|CREDENTIALS|APIKEY|DSN|AUTH)$/;
/** Words before KEY that make it a credential (API_KEY, SECRET_ACCESS_KEY, STRIPE_SECRET_KEY…). */
const KEY_QUALIFIER =
  /^(API|PRIVATE|SECRET|ACCESS|SIGNING|ENCRYPTION|MASTER|CLIENT|LICENSE|APP|SERVICE|ACCOUNT|AUTH|JWT|SESSION|HMAC|CRYPTO|WEBHOOK|DEPLOY|SSH|TLS|ADMIN)$/;
/** Settings about a secret, not the secret: the name's last word says so. */
const SETTING_WORD =
  /^(ENABLED|DISABLED|ENABLE|DISABLE|TTL|EXPIRY|EXPIRES|EXPIRATION|LENGTH|MIN|MAX|ROUNDS|COST|ALGORITHM|ALG|HEADER|NAME|ID|PATH|DIR|FILE|FILES|URL|URI|ENDPOINT|HOST|PORT|TIMEOUT|REQUIRED|POLICY|PREFIX|TYPE|VERSION|ISSUER|AUDIENCE|SCOPE|SCOPES|MODE|LEVEL|STRATEGY|PROVIDER|FIELD|PARAM|COOKIE|SIZE|COUNT|LIMIT|INTERVAL|DAYS|HOURS|SECONDS|MINUTES|FORMAT|LOCATION|METHOD)$/;
/** Names that say secret but hold public data by convention. */
const ALLOWED_KEYS = new Set(["GPG_KEY", "GPG_KEYS", "PUBLIC_KEY", "NODE_AUTH_TOKEN_FILE", "PWD", "OLDPWD"]);
/** Secret-bearing names that the word rules miss. */
const ALWAYS_SECRET = new Set([
  "AWS_ACCESS_KEY_ID",
  "PGPASSWORD",
  "MYSQL_PWD",
  "PGPASSFILE_CONTENT",
  "NPM_CONFIG__AUTH",
  "NPM_CONFIG__AUTHTOKEN",
]);
/** A URL with a password in it: scheme://user:password@host (the user may be empty: redis://:pw@host). */
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:([^@\s/]+)@/i;
/** ADO.NET / JDBC style: Server=…;User Id=…;Password=…; */
const CONN_PASSWORD = /(?:^|;)\s*(?:password|pwd)\s*=\s*([^;\s]+)/i;
const VALUE_PATTERNS: Array<[string, RegExp]> = [
  ["private key", /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/],
  ["GitHub token", /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b/],
  ["npm token", /\bnpm_[A-Za-z0-9]{36}\b/],
  ["AWS access key", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["Slack token", /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/],
  ["Stripe key", /\b[sr]k_live_[A-Za-z0-9]{16,}\b/],
  ["GitLab token", /\bglpat-[A-Za-z0-9_-]{20,}\b/],
];

export interface SecretFinding {
  where: string;
  key: string;
  masked: string;
}

export function mask(value: string): string {
  if (value.length <= 4) return "****";
  return `${value.slice(0, 2)}…${value.slice(-1)} (${value.length} chars)`;
}

/** Whether a variable's name says it carries a secret. */
export function secretName(key: string): boolean {
  const upper = key.toUpperCase();
  if (ALLOWED_KEYS.has(upper) || /(^|_)PUBLIC(_|$)|^NEXT_PUBLIC_|^VITE_|^REACT_APP_/.test(upper))
    return false;
  if (ALWAYS_SECRET.has(upper)) return true;
  const words = upper.split(/[_.-]+/).filter(Boolean);
  const last = words.at(-1) ?? "";
  if (SETTING_WORD.test(last)) return false;
  if (SECRET_WORD.test(last) || /(PASSWORD|PASSWD|SECRET|TOKEN)$/.test(last)) return true;
  if (last === "KEY") return words.length === 1 || KEY_QUALIFIER.test(words.at(-2) ?? "");
  return false;
}

/** What in a value gives a secret away, whatever its name. */
export function secretInValue(value: string): string | null {
  if (URL_WITH_PASSWORD.test(value)) return "URL with a password";
  if (CONN_PASSWORD.test(value) && /;/.test(value)) return "connection string with a password";
  for (const [what, re] of VALUE_PATTERNS) if (re.test(value)) return what;
  return null;
}

/** A `KEY=value` pair is a secret when its value gives one away, or its name says so and it holds a value. */
export function secretInPair(key: string, value: string): boolean {
  if (value === "") return false;
  if (/_FILE$/i.test(key) && value.startsWith("/")) return false;
  if (secretInValue(value)) return true;
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value)) return false; // an unexpanded reference
  return secretName(key);
}

function finding(where: string, key: string, value: string): SecretFinding {
  const password = URL_WITH_PASSWORD.exec(value)?.[1] ?? CONN_PASSWORD.exec(value)?.[1];
  return { where, key, masked: password ? `password ${mask(password)}` : mask(value) };
}

export function scanEnv(env: readonly string[], where: string): SecretFinding[] {
  const found: SecretFinding[] = [];
  for (const pair of env) {
    const eq = pair.indexOf("=");
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    if (secretInPair(key, value)) found.push(finding(where, key, value));
  }
  return found;
}

/** `K1=v1 K2=v 2 K3=v3` → pairs; a value runs until the next ` NAME=` (BuildKit does not quote). */
function pairsOf(text: string, count = Number.POSITIVE_INFINITY): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|.*?)(?=\s+[A-Za-z_][A-Za-z0-9_]*=|$)/gs;
  for (const m of text.matchAll(re)) {
    if (out.length >= count) break;
    out.push([m[1] as string, (m[2] ?? "").replace(/^(["'])(.*)\1$/s, "$2")]);
  }
  return out;
}

/**
 * Build history lines, in every form the builders write: BuildKit `ARG K=v`, `ENV K=v`,
 * `RUN |N K=v … <shell> -c …  # buildkit` (every ARG in scope, so a `--build-arg TOKEN=…`
 * leaks even if never used, whatever SHELL the stage set), the classic builder's
 * `/bin/sh -c #(nop)  ENV K=v` and `|N K=v /bin/sh -c …`; and secrets written inline in a
 * RUN command (`npm config set //…:_authToken=…`, `https://user:token@host`).
 */
export function scanHistory(createdBy: readonly string[]): SecretFinding[] {
  const found: SecretFinding[] = [];
  createdBy.forEach((line, i) => {
    const where = `history[${i}]`;
    const text = line.replace(/^\/bin\/sh -c #\(nop\)\s+/, "").replace(/\s*# buildkit$/, "");
    const decl = /^(ARG|ENV|LABEL)\s+(.*)$/s.exec(text);
    if (decl) {
      for (const [k, v] of pairsOf(decl[2] ?? "")) if (secretInPair(k, v)) found.push(finding(where, k, v));
      return;
    }
    let command = text.replace(/^RUN\s+/, "");
    const args = /^\|(\d+)\s+(.*)$/s.exec(command);
    if (args) {
      // BuildKit and the classic builder write `|N K1=v1 … KN=vN <shell> …`, values unquoted.
      let rest = args[2] ?? "";
      for (let k = 0; k < Number(args[1]); k++) {
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(\S*)\s*/.exec(rest);
        if (!m) break;
        if (secretInPair(m[1] as string, m[2] ?? "")) found.push(finding(where, `ARG ${m[1]}`, m[2] ?? ""));
        rest = rest.slice(m[0].length);
      }
      command = rest;
    }
    const inline = secretInValue(command);
    if (inline) found.push({ where, key: `RUN (${inline})`, masked: mask(command) });
    const token = /_auth(?:Token)?\s*[= ]\s*["']?([^\s"'$][^\s"']{5,})/.exec(command);
    if (!inline && token?.[1]) found.push({ where, key: "RUN (npm auth token)", masked: mask(token[1]) });
    for (const m of command.matchAll(
      /(?:^|\s)(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s;&|]+)/g,
    )) {
      const k = m[1] as string;
      const v = (m[2] ?? "").replace(/^["']|["']$/g, "");
      if (!inline && !v.startsWith("$") && secretName(k) && secretInPair(k, v))
        found.push(finding(where, `RUN ${k}`, v));
    }
  });
  return found;
}

/** Names of files that hold credentials by their nature. */
export const CREDENTIAL_FILES =
  /(^|\/)(\.env(\.[A-Za-z0-9_-]+)?|id_(rsa|dsa|ecdsa|ed25519)|\.npmrc|\.pypirc|\.netrc|\.pgpass|\.git-credentials|credentials(\.json)?|[^/]*\.(pem|key|p12|pfx|jks|keystore)|\.docker\/config\.json|\.aws\/credentials|service-account[^/]*\.json)$/;
const TEMPLATE = /\.(example|sample|template|dist|defaults)$/;

/** A credential file's content judged: a private key, an npm auth token, secret pairs in a .env. */
export function scanFile(path: string, content: string): SecretFinding[] {
  if (TEMPLATE.test(path) || !CREDENTIAL_FILES.test(path)) return [];
  const where = path;
  if (/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/.test(content))
    return [{ where, key: "private key", masked: `${content.length} bytes` }];
  if (/\.(p12|pfx|jks|keystore)$/.test(path))
    return [{ where, key: "key store", masked: `${content.length} bytes` }];
  if (/\.npmrc$/.test(path)) {
    const m = /_auth(?:Token)?\s*=\s*([^\s$][^\s]*)/.exec(content);
    return m?.[1] && !m[1].startsWith("${") ? [{ where, key: "_authToken", masked: mask(m[1]) }] : [];
  }
  if (/\.(netrc|pgpass|git-credentials)$|\.aws\/credentials$|\.docker\/config\.json$/.test(path)) {
    return /password|:\/\/[^:\s]*:[^@\s]+@|aws_secret_access_key|"auth"\s*:\s*"[^"]+"|:[^:\n]+:[^:\n]+:[^:\n]+:[^:\n]+/i.test(
      content,
    )
      ? [{ where, key: "credentials", masked: `${content.length} bytes` }]
      : [];
  }
  if (/credentials(\.json)?$|service-account[^/]*\.json$/.test(path)) {
    return /"private_key"|"client_secret"|"password"/.test(content)
      ? [{ where, key: "credentials", masked: `${content.length} bytes` }]
      : [];
  }
  // .env files: the same rules as ENV.
  const env = content
    .split("\n")
    .map((l) => l.trim().replace(/^export\s+/, ""))
    .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
    .map((l) => l.replace(/=(["'])(.*)\1\s*$/, "=$2"));
  return scanEnv(env, where);
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
