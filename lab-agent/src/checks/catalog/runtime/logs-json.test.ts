import { describe, expect, it } from "vitest";
import type { LogLine } from "../../probes/log-secrets.ts";
import { knownSecrets } from "../../probes/log-secrets.ts";
import { caseApi, fixtureText } from "./fixtures.ts";
import { evaluateLogs, type LogFacts } from "./logs-json.ts";

const info = caseApi();
const SECRETS = knownSecrets(info.Config.Env ?? [], []);
const out = (...texts: string[]): LogLine[] => texts.map((text) => ({ stream: "stdout", text }));
const err = (...texts: string[]): LogLine[] => texts.map((text) => ({ stream: "stderr", text }));
const solved = out(...fixtureText("logs-json/solved.stdout.log").trim().split("\n"));
const facts = (lines: LogLine[], extra: Partial<LogFacts> = {}): LogFacts => ({
  lines,
  secrets: SECRETS,
  window: "since the last start",
  ...extra,
});
const line = (o: Record<string, unknown>) =>
  JSON.stringify({ level: "info", time: "2026-12-01T20:52:46.913Z", ...o });

const variants: Array<{ name: string; facts: LogFacts; status: "pass" | "fail" | "error"; summary: RegExp }> =
  [
    // right
    {
      name: "recorded: the solve (pino, URLs masked, config redacted)",
      facts: facts(solved),
      status: "pass",
      summary: /3 log lines, each one JSON object/,
    },
    {
      name: "an error with its stack inside the JSON (err.stack, \\n escaped)",
      facts: facts(
        out(
          line({
            level: "error",
            err: { message: "boom", stack: "Error: boom\n    at f (/app/dist/x.js:1:2)" },
          }),
        ),
      ),
      status: "pass",
      summary: /each one JSON object/,
    },
    {
      name: "JSON lines on stderr too (a logger's error stream)",
      facts: facts([...solved, ...err(line({ level: "warn", msg: "slow query" }))]),
      status: "pass",
      summary: /4 log lines/,
    },
    {
      name: "a password field pino redacted",
      facts: facts(out(line({ msg: "login", password: "[redacted]", user: "ana" }))),
      status: "pass",
      summary: /no secret/,
    },
    {
      name: "a URL with the password masked (safeUrl)",
      facts: facts(out(line({ database: "postgres://case:***@db:5432/case" }))),
      status: "pass",
      summary: /no secret/,
    },
    {
      name: "a tokenType field (not a secret)",
      facts: facts(out(line({ tokenType: "Bearer", expiresIn: 3600 }))),
      status: "pass",
      summary: /no secret/,
    },
    // wrong
    {
      name: "an entrypoint banner echoes DATABASE_URL (the h05-06 mistake)",
      facts: facts([
        ...out("case-api starting with DATABASE_URL=postgres://case:case-dev-pw@reg-case-postgres:5432/case"),
        ...solved,
      ]),
      status: "fail",
      summary: /1 log line\(s\) contain a secret: a secret value from the container's settings/,
    },
    {
      name: "a connection string the env does not hold, password and all",
      facts: facts(out(line({ msg: "connecting to postgres://admin:s3cr3t-Pass@10.0.0.5/prod" }))),
      status: "fail",
      summary: /a URL with a password/,
    },
    {
      name: "a JSON field apiToken in clear",
      facts: facts(out(line({ msg: "calling billing", apiToken: "sk_live_51HxYzAbCdEf" }))),
      status: "fail",
      summary: /the JSON field "apiToken"/,
    },
    {
      name: "the value of a *_FILE secret (read from the file)",
      facts: facts(out(line({ msg: "db ready", dsn: "host=db password=from-the-file-pw" })), {
        secrets: knownSecrets(
          ["DATABASE_URL_FILE=/run/secrets/db"],
          [{ key: "DATABASE_URL_FILE", text: "postgres://case:from-the-file-pw@db/case\n" }],
        ),
      }),
      status: "fail",
      summary: /secret value from the container's settings/,
    },
    {
      name: "a plain-text banner line",
      facts: facts([...out("Starting case-api v1.0.0 ..."), ...solved]),
      status: "fail",
      summary: /1 of 4 log lines are not one JSON object/,
    },
    {
      name: "an uncaught exception's stack trace on stderr",
      facts: facts([
        ...solved,
        ...err(
          "/app/dist/main.js:12",
          "Error: connect ECONNREFUSED 127.0.0.1:5432",
          "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)",
        ),
      ]),
      status: "fail",
      summary: /not one JSON object \(a stack trace in plain text\)/,
    },
    {
      name: "pino-pretty left on in production (JSON over several lines)",
      facts: facts(out("{", '  "level": 30,', '  "msg": "api listening"', "}")),
      status: "fail",
      summary: /JSON spread over several lines/,
    },
    {
      name: "logs written to a file, nothing on stdout",
      facts: facts([]),
      status: "fail",
      summary: /wrote nothing to stdout/,
    },
    {
      name: "everything on stderr (console.error logger)",
      facts: facts(err(line({ msg: "api listening" }))),
      status: "fail",
      summary: /stderr only/,
    },
    // can't tell
    {
      name: "--log-driver none: nothing to read",
      facts: facts([], { unreadable: "configured logging driver does not support reading" }),
      status: "error",
      summary: /^Can't tell, because case-api's logs cannot be read/,
    },
  ];

describe("container.logs.json", () => {
  it.each(variants)("$name → $status", ({ facts: f, status, summary }) => {
    const r = evaluateLogs("case-api", info, f);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(JSON.stringify(r.evidence)).not.toContain("case-dev-pw");
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });
});
