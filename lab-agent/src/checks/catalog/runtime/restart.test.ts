import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { caseApi } from "./fixtures.ts";
import { type CrashProbe, evaluateRestart } from "./restart.ts";

const withPolicy = (Name: string, MaximumRetryCount = 0, labels: Record<string, string> = {}) =>
  caseApi((i) => {
    i.HostConfig.RestartPolicy = { Name, MaximumRetryCount };
    i.Config.Labels = { ...(i.Config.Labels ?? {}), ...labels };
  });
const crash = (p: Partial<CrashProbe> = {}): CrashProbe => ({
  crashEnv: ["APP_PORT=invalid"],
  exitCode: 78,
  restartCount: 1,
  stillRunning: false,
  seconds: 1.4,
  logTail: '{"level":"fatal","msg":"APP_PORT must be a number"}',
  differences: ["no published ports"],
  ...p,
});

const variants: Array<{
  name: string;
  info: Docker.ContainerInspectInfo;
  probe?: CrashProbe;
  status: "pass" | "fail" | "error";
  summary: RegExp;
}> = [
  // right
  {
    name: "recorded: the solve, --restart unless-stopped",
    info: caseApi(),
    probe: crash(),
    status: "pass",
    summary: /Policy unless-stopped: a crashing copy was restarted 1 time/,
  },
  {
    name: "--restart always",
    info: withPolicy("always"),
    probe: crash({ restartCount: 2 }),
    status: "pass",
    summary: /Policy always/,
  },
  {
    name: "--restart on-failure:5 (bounded)",
    info: withPolicy("on-failure", 5),
    probe: crash(),
    status: "pass",
    summary: /Policy on-failure:5/,
  },
  {
    name: "Compose restart: on-failure (no bound)",
    info: withPolicy("on-failure"),
    probe: crash({ exitCode: 1 }),
    status: "pass",
    summary: /Policy on-failure:/,
  },
  {
    name: "on-failure:1 and a crash with exit 1",
    info: withPolicy("on-failure", 1),
    probe: crash({ exitCode: 1, restartCount: 1 }),
    status: "pass",
    summary: /on-failure:1/,
  },
  // wrong
  {
    name: 'no --restart flag (the default, "no")',
    info: withPolicy("no"),
    status: "fail",
    summary: /restart policy "no": a crash leaves it down/,
  },
  {
    name: "an empty policy name (API clients that send none)",
    info: withPolicy(""),
    status: "fail",
    summary: /restart policy "no"/,
  },
  {
    name: "on-failure, but a wrapper (node app; echo stopped) makes the crash exit 0",
    info: withPolicy("on-failure", 5),
    probe: crash({ exitCode: 0, restartCount: 0 }),
    status: "fail",
    summary: /The crash exits 0 .* on-failure:5 does not restart it/,
  },
  {
    name: "unless-stopped, but the copy was not restarted in time",
    info: caseApi(),
    probe: crash({ exitCode: 1, restartCount: 0, seconds: 30 }),
    status: "fail",
    summary: /not restarted within 30 s/,
  },
  {
    name: "case-api itself crash-looping right now",
    info: caseApi((i) => {
      i.State.Running = false;
      i.State.Restarting = true;
      i.State.Status = "restarting";
      i.RestartCount = 7;
    }),
    status: "fail",
    summary: /restarting, not running \(restarted 7 times: it keeps crashing\)/,
  },
  // can't tell
  {
    name: "the copy did not crash with the crash setting",
    info: caseApi(),
    probe: crash({ exitCode: 0, restartCount: 0, stillRunning: true, seconds: 30 }),
    status: "error",
    summary: /^Can't tell, because the copy did not crash with APP_PORT=invalid/,
  },
  {
    name: "a Swarm task (the service's restart_policy applies)",
    info: withPolicy("no", 0, {
      "com.docker.swarm.task.id": "x1",
      "com.docker.swarm.service.name": "case_api",
    }),
    status: "error",
    summary: /^Can't tell, because case-api is a task of the Swarm service case_api/,
  },
];

describe("container.restart", () => {
  it.each(variants)("$name → $status", ({ info, probe, status, summary }) => {
    const r = evaluateRestart("case-api", info, probe);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });
});
