import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { IdleControl } from "../../probes/healthcheck.ts";
import { caseApi } from "./fixtures.ts";
import { evaluateHealth } from "./healthy.ts";

type Log = { ExitCode: number; Output: string };
function ctr(
  test: string[] | undefined,
  status: string | undefined,
  log: Log[] = [],
  streak = 0,
): Docker.ContainerInspectInfo {
  return caseApi((i) => {
    if (test)
      (i.Config as { Healthcheck?: unknown }).Healthcheck = {
        Test: test,
        Interval: 10e9,
        Timeout: 3e9,
        Retries: 3,
      };
    else delete (i.Config as { Healthcheck?: unknown }).Healthcheck;
    if (status)
      (i.State as { Health?: unknown }).Health = { Status: status, FailingStreak: streak, Log: log };
    else delete (i.State as { Health?: unknown }).Health;
  });
}
const failed = (code: number, output = ""): IdleControl => ({
  ran: true,
  probe: { ExitCode: code, Output: output },
  note: "sleep instead of the app",
});
const NODE_FETCH = [
  "CMD",
  "node",
  "-e",
  "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
];
const OK: Log[] = [{ ExitCode: 0, Output: "" }];
const CURL_MISSING_EXEC =
  'OCI runtime exec failed: exec failed: unable to start container process: exec: "curl": executable file not found in $PATH: unknown';

const variants: Array<{
  name: string;
  info: Docker.ContainerInspectInfo;
  control?: IdleControl;
  status: "pass" | "fail" | "error";
  summary: RegExp;
}> = [
  // right
  {
    name: "recorded: the solve (node -e fetch, exec form)",
    info: caseApi(),
    control: failed(1),
    status: "pass",
    summary: /healthy, and the same probe fails \(exit 1\) when the app is not running/,
  },
  {
    name: "wget in an alpine-based image",
    info: ctr(["CMD-SHELL", "wget -qO- http://127.0.0.1:8080/health || exit 1"], "healthy", OK),
    control: failed(1, "wget: can't connect to remote host (127.0.0.1): Connection refused"),
    status: "pass",
    summary: /healthy/,
  },
  {
    name: "curl -f in an image that ships curl",
    info: ctr(["CMD", "curl", "-fsS", "http://localhost:8080/health"], "healthy", OK),
    control: failed(7, "curl: (7) Failed to connect"),
    status: "pass",
    summary: /exit 7/,
  },
  {
    name: "a node healthcheck.js script (docker-node best practices)",
    info: ctr(["CMD", "node", "healthcheck.js"], "healthy", OK),
    control: failed(1),
    status: "pass",
    summary: /healthy/,
  },
  {
    name: "--health-cmd given at docker run",
    info: ctr(
      ["CMD-SHELL", "node -e \"fetch('http://localhost:8080/health').then(r=>process.exit(r.ok?0:1))\""],
      "healthy",
      OK,
    ),
    control: failed(1),
    status: "pass",
    summary: /healthy/,
  },
  // wrong
  {
    name: "the seed's curl probe (exec form) in node:20-slim",
    info: ctr(
      ["CMD", "curl", "-fsS", "http://127.0.0.1:8080/health"],
      "unhealthy",
      [{ ExitCode: -1, Output: CURL_MISSING_EXEC }],
      3,
    ),
    status: "fail",
    summary: /probe cannot run: its program is not in the image/,
  },
  {
    name: "curl … || exit 1 through the shell, curl missing",
    info: ctr(["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 1"], "starting", [
      { ExitCode: 1, Output: "/bin/sh: 1: curl: not found\n" },
    ]),
    status: "fail",
    summary: /program is not in the image/,
  },
  {
    name: "curl … || exit 0: a missing curl reported healthy",
    info: ctr(["CMD-SHELL", "curl -fsS http://127.0.0.1:8080/health || exit 0"], "healthy", [
      { ExitCode: 0, Output: "/bin/sh: 1: curl: not found\n" },
    ]),
    control: failed(0),
    status: "fail",
    summary: /reports healthy although its probe's program is missing/,
  },
  {
    name: "HEALTHCHECK CMD true (always succeeds)",
    info: ctr(["CMD", "true"], "healthy", OK),
    control: failed(0),
    status: "fail",
    summary: /passes even when the app is not running/,
  },
  {
    name: "a probe of the database (pg_isready -h db), not the app",
    info: ctr(["CMD-SHELL", "pg_isready -h reg-case-postgres"], "healthy", OK),
    control: failed(0, "reg-case-postgres:5432 - accepting connections"),
    status: "fail",
    summary: /passes even when the app is not running/,
  },
  {
    name: "no healthcheck at all",
    info: ctr(undefined, undefined),
    status: "fail",
    summary: /has no healthcheck/,
  },
  {
    name: "--no-healthcheck (Test NONE)",
    info: ctr(["NONE"], undefined),
    status: "fail",
    summary: /switched off/,
  },
  {
    name: "unhealthy: the probe times out",
    info: ctr(NODE_FETCH, "unhealthy", [{ ExitCode: -1, Output: "Health check exceeded timeout (3s)" }], 4),
    status: "fail",
    summary: /unhealthy \(failing streak 4\): its probe timed out/,
  },
  {
    name: "unhealthy: /health answers 500",
    info: ctr(NODE_FETCH, "unhealthy", [{ ExitCode: 1, Output: "" }], 3),
    status: "fail",
    summary: /is unhealthy/,
  },
  // can't tell
  {
    name: "still starting (30 s interval, nothing failed yet)",
    info: ctr(NODE_FETCH, "starting", []),
    status: "error",
    summary: /^Can't tell yet, because case-api is still starting/,
  },
  {
    name: "the idle copy cannot start (distroless: no sleep)",
    info: caseApi(),
    control: { ran: false, note: 'the idle copy did not start: exec: "sleep": executable file not found' },
    status: "error",
    summary:
      /^Can't tell whether the probe fails when the app does not serve, because the idle copy did not start/,
  },
];

describe("container.healthy", () => {
  it.each(variants)("$name → $status", ({ info, control, status, summary }) => {
    const r = evaluateHealth("case-api", info, control);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("a pass shows the control's probe", () => {
    const r = evaluateHealth("case-api", caseApi(), failed(1, "fetch failed"));
    expect(JSON.stringify(r.evidence)).toContain("sleep instead of the app");
  });
});
