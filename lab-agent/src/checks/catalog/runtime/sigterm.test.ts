import { describe, expect, it } from "vitest";
import type { ScratchState } from "../../probes/scratch.ts";
import { caseApi, fixtureText, topFixture } from "./fixtures.ts";
import { evaluateSigterm, type StopProbe } from "./sigterm.ts";

const running: ScratchState = { Status: "running", Running: true, ExitCode: 0, OOMKilled: false };
const top = (...rows: string[]) => topFixture(`PID PPID COMMAND\n${rows.join("\n")}`).top;
const recordedTop = (name: string) => topFixture(fixtureText(`pid1/${name}.top.txt`)).top;
/** recorded-stops.txt: `v-<variant> exit=<code> seconds=<s>`, measured with docker stop on a real lab. */
const recorded = Object.fromEntries(
  fixtureText("sigterm/recorded-stops.txt")
    .trim()
    .split("\n")
    .map((l) => {
      const m = /^v-(\S+) exit=(\d+) seconds=([\d.]+)/.exec(l) as RegExpExecArray;
      return [m[1], { code: Number(m[2]), seconds: Number(m[3]) }];
    }),
) as Record<string, { code: number; seconds: number }>;

function probe(p: {
  code: number;
  seconds: number;
  top?: ReturnType<typeof top>;
  signal?: string;
  timeout?: number;
  oom?: boolean;
  up?: boolean;
  log?: string;
}): StopProbe {
  return {
    before: p.up === false ? { ...running, Status: "exited", Running: false, ExitCode: 1 } : running,
    ready: p.up === false ? "health none" : "health healthy",
    ...(p.top ? { top: p.top } : {}),
    seconds: p.seconds,
    timeout: p.timeout ?? 10,
    signal: p.signal ?? "SIGTERM",
    after: { Status: "exited", Running: false, ExitCode: p.code, OOMKilled: p.oom ?? false },
    logTail: p.log ?? "",
    differences: ["no published ports"],
    notCopied: [],
    image: "sha256:d1d69fd555cb42ed457cdb34b5c527ab51055b8e23873a44be9b28c397eb46ee",
  };
}
const rec = (name: string) =>
  probe({ ...(recorded[name] as { code: number; seconds: number }), top: recordedTop(name) });

const variants: Array<{
  name: string;
  probe: StopProbe;
  status: "pass" | "fail" | "error";
  summary: RegExp;
}> = [
  // right
  {
    name: "recorded: exec-form node with a SIGTERM handler",
    probe: rec("exec-form"),
    status: "pass",
    summary: /exit code 0 in 0.3 s/,
  },
  {
    name: "recorded: --init forwards SIGTERM to node",
    probe: rec("init"),
    status: "pass",
    summary: /exit code 0/,
  },
  {
    name: "recorded: entrypoint script ending in exec",
    probe: rec("shell-exec"),
    status: "pass",
    summary: /exit code 0/,
  },
  {
    name: "recorded: bash traps TERM and forwards it to the app",
    probe: rec("trap-forward"),
    status: "pass",
    summary: /exit code 143 in 2.1 s/,
  },
  {
    name: "tini in front of an app with no handler: 143 at once",
    probe: probe({
      code: 143,
      seconds: 0.4,
      top: top("7 1 /usr/bin/tini -- node server.js", "9 7 node server.js"),
    }),
    status: "pass",
    summary: /exit code 143/,
  },
  {
    name: "STOPSIGNAL SIGINT (a Python app), ended by it: 130",
    probe: probe({ code: 130, seconds: 0.5, signal: "SIGINT", top: top("7 1 python3 app.py") }),
    status: "pass",
    summary: /exit code 130/,
  },
  {
    name: "--stop-timeout 30 and a 3 s drain",
    probe: probe({ code: 0, seconds: 3.2, timeout: 30 }),
    status: "pass",
    summary: /in 3.2 s/,
  },
  // wrong
  {
    name: "recorded: sh -c 'node …; echo stopped' (the h05-06 mistake)",
    probe: rec("shell-semicolon"),
    status: "fail",
    summary:
      /waited the whole 10 s grace period and killed the app \(exit 137\): it never acted on SIGTERM: PID 1 is sh \(sh -c node dist\/main.js api; echo .*…\), which does not pass it on\.$/,
  },
  {
    name: "recorded: shell-form CMD with one command",
    probe: rec("shell-single"),
    status: "fail",
    summary: /exit 137/,
  },
  {
    name: "recorded: npm run api as PID 1 exits 1",
    probe: rec("npm-start"),
    status: "fail",
    summary: /exit code 1 after 1.2 s: it failed while shutting down \(npm runs it\)/,
  },
  {
    name: "recorded: --init in front of a shell: 143 comes from the shell",
    probe: rec("init-shell"),
    status: "fail",
    summary: /Exit 143 came from sh, which docker-init \(PID 1\) runs/,
  },
  {
    name: "drains for 8 s (SHUTDOWN_TIMEOUT_MS too long)",
    probe: probe({ code: 0, seconds: 8.2 }),
    status: "fail",
    summary: /took 8.2 s/,
  },
  {
    name: "killed with 137 before the grace period (not OOM)",
    probe: probe({ code: 137, seconds: 2 }),
    status: "fail",
    summary: /before the grace period ended/,
  },
  {
    name: "exit 2 from an error in the shutdown path",
    probe: probe({ code: 2, seconds: 0.3, log: "TypeError: server.close is not a function" }),
    status: "fail",
    summary: /exit code 2/,
  },
  // can't tell
  {
    name: "the copy was killed for lack of memory",
    probe: probe({ code: 137, seconds: 0.2, oom: true }),
    status: "error",
    summary: /^Can't tell, because the copy was killed for lack of memory/,
  },
  {
    name: "the copy did not stay up (a secret file it needs is missing)",
    probe: probe({ code: 1, seconds: 0, up: false, log: "DATABASE_URL_FILE: no such file" }),
    status: "error",
    summary: /^Can't tell, because the copy of case-api did not stay up/,
  },
];

describe("container.sigterm", () => {
  it.each(variants)("$name → $status", ({ probe: p, status, summary }) => {
    const r = evaluateSigterm("case-api", caseApi(), p, 5);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("shows the image id it stopped and what the copy left out", () => {
    const r = evaluateSigterm("case-api", caseApi(), rec("exec-form"), 5);
    const text = JSON.stringify(r.evidence);
    expect(text).toContain("d1d69fd555cb");
    expect(text).toContain("no published ports");
    expect(text).toContain("State.ExitCode");
  });

  it("fails without a running container", () => {
    expect(evaluateSigterm("case-api", undefined, undefined, 5).status).toBe("fail");
  });
});
