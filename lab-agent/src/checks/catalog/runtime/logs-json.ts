import type Docker from "dockerode";
import { z } from "zod";
import { errorMessage } from "../../../common/errors.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { readFileFrom, splitStreams } from "../../engine-reads.ts";
import { fileSettings } from "../../probes/clone.ts";
import { findLeaks, knownSecrets, type LogLine } from "../../probes/log-secrets.ts";
import { ContainerParam, CTR_SOURCE, collectContainer, noContainer, runtimeCheck } from "./define.ts";

const LOGS = "laptop: GET /containers/{name}/logs";

export interface LogFacts {
  lines: LogLine[];
  /** The container's secret settings' values (never shown): env and `*_FILE` files. */
  secrets: string[];
  /** Set when the logs cannot be read (logging driver `none`…). */
  unreadable?: string;
  /** Lines the read covered, e.g. "since the last start". */
  window: string;
}

function isJsonObject(line: string): boolean {
  try {
    const v = JSON.parse(line);
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * One JSON object per line, on stdout; nothing on stderr that is not JSON too (a stack trace, a
 * banner); no secret: neither a value of the container's secret settings nor a URL with a
 * password nor a secret-named field, unless masked (`[redacted]`, `***`).
 */
export function evaluateLogs(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
  facts: LogFacts | undefined,
): CheckOutcome {
  const missing = noContainer(name, info);
  if (missing || !info) return missing as CheckOutcome;
  if (!facts) return checkError("Can't tell, because the logs were not read.");
  if (facts.unreadable)
    return checkError(
      `Can't tell, because ${name}'s logs cannot be read: ${facts.unreadable} (logging driver ${info.HostConfig.LogConfig?.Type ?? "?"}).`,
      [
        {
          source: CTR_SOURCE,
          field: "HostConfig.LogConfig.Type",
          observed: info.HostConfig.LogConfig?.Type ?? null,
          expected: "json-file or local",
        },
      ],
    );
  const out = facts.lines.filter((l) => l.stream === "stdout");
  const err = facts.lines.filter((l) => l.stream === "stderr");
  const notJson = facts.lines.filter((l) => !isJsonObject(l.text));
  const leaks = findLeaks(facts.lines, facts.secrets);
  const evidence: Evidence[] = [
    {
      source: `${LOGS}?stdout=1`,
      field: `lines (${facts.window})`,
      observed: out.length,
      expected: "≥ 1, one JSON object per line",
    },
    { source: `${LOGS}?stderr=1`, field: `lines (${facts.window})`, observed: err.length },
    { source: LOGS, field: "lines that are not a JSON object", observed: notJson.length, expected: "0" },
    {
      source: `${CTR_SOURCE} × logs`,
      field: "lines with a secret",
      observed: leaks.length,
      expected: `0 (looked for ${facts.secrets.length} secret value(s) of its settings, URLs with passwords, secret-named fields)`,
    },
    { source: CTR_SOURCE, field: "Config.Tty", observed: info.Config.Tty ?? false },
  ];
  if (leaks.length > 0) {
    const first = leaks[0];
    evidence.push({
      source: LOGS,
      field: `first leak (${first?.stream} line ${first?.line}: ${first?.why})`,
      observed: first?.shown,
    });
    return fail(`${leaks.length} log line(s) contain a secret: ${first?.why}.`, evidence);
  }
  if (out.length === 0)
    return fail(
      err.length > 0
        ? `${name} writes its log to stderr only, nothing to stdout.`
        : `${name} wrote nothing to stdout.`,
      evidence,
    );
  if (notJson.length > 0) {
    const first = notJson[0];
    evidence.push({
      source: LOGS,
      field: `first line that is not JSON (${first?.stream})`,
      observed: (first?.text ?? "").slice(0, 160),
    });
    const trace = notJson.some((l) => /^\s+at .+\(.*:\d+:\d+\)$|^\s+at /.test(l.text));
    const pretty = notJson.some((l) => /^\s*[{}]\s*$|^\s+"?\w+"?: /.test(l.text));
    const kind = trace ? " (a stack trace in plain text)" : pretty ? " (JSON spread over several lines)" : "";
    return fail(
      `${notJson.length} of ${facts.lines.length} log lines are not one JSON object${kind}.`,
      evidence,
    );
  }
  const sample = JSON.parse(out[0]?.text ?? "{}") as Record<string, unknown>;
  evidence.push({
    source: LOGS,
    field: "fields of the first line",
    observed: Object.keys(sample).slice(0, 8),
  });
  return pass(
    `${facts.lines.length} log lines, each one JSON object, ${out.length} on stdout; no secret in them.`,
    evidence,
  );
}

export const logsClean = runtimeCheck({
  id: "container.logs.json",
  title: "Structured logs on stdout, no secrets",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: z
    .object({ container: ContainerParam, tail: z.number().int().min(10).max(2000).default(200) })
    .strict(),
  async collect(ctx, p) {
    const info = await collectContainer(ctx, p.container);
    if (!info?.State.Running) return { info, facts: undefined };
    const c = (await ctx.lab.engine("laptop")).getContainer(info.Id);
    // Since the last start: its first seconds (where banners are) and its last lines.
    const since = Math.floor(Date.parse(info.State.StartedAt) / 1000) - 1;
    const window = `since the last start, first 15 s and last ${p.tail}`;
    let lines: LogLine[];
    try {
      const [head, tail] = await Promise.all([
        c.logs({
          stdout: true,
          stderr: true,
          timestamps: true,
          since,
          until: since + 16,
        }) as unknown as Promise<Buffer>,
        c.logs({
          stdout: true,
          stderr: true,
          timestamps: true,
          since,
          tail: p.tail,
        }) as unknown as Promise<Buffer>,
      ]);
      const seen = new Set<string>();
      lines = [];
      for (const buf of [head, tail]) {
        const { stdout, stderr } = splitStreams(buf);
        for (const [stream, text] of [
          ["stdout", stdout],
          ["stderr", stderr],
        ] as const) {
          for (const raw of text.split("\n")) {
            const l = raw.replace(/\r$/, "");
            if (l.trim() === "" || seen.has(`${stream} ${l}`)) continue;
            seen.add(`${stream} ${l}`);
            lines.push({ stream, text: l.replace(/^\S+ /, "") });
          }
        }
      }
    } catch (err) {
      return { info, facts: { lines: [], secrets: [], window, unreadable: errorMessage(err).slice(0, 160) } };
    }
    const env = info.Config.Env ?? [];
    const files: Array<{ key: string; text: string }> = [];
    for (const pair of env) {
      const [key = "", ...rest] = pair.split("=");
      const path = rest.join("=");
      if (!fileSettings([pair]).length) continue;
      const text = await readFileFrom(c, path).catch(() => null);
      if (text !== null) files.push({ key, text });
    }
    return { info, facts: { lines, secrets: knownSecrets(env, files), window } };
  },
  evaluate: (f, p) => evaluateLogs(p.container, f.info, f.facts),
});
