import { describe, expect, it } from "vitest";
import { caseApi, fixtureText, topFixture } from "./fixtures.ts";
import { evaluatePid1 } from "./pid1.ts";

/** Synthetic tops, written as `docker top … -o pid,ppid,args` prints them; the first pid is State.Pid. */
const top = (...rows: string[]) => `PID PPID COMMAND\n${rows.join("\n")}`;

type Variant = [name: string, text: string, status: "pass" | "fail", summary: RegExp];

const variants: Variant[] = [
  // right
  [
    "recorded: the solve, exec-form ENTRYPOINT",
    fixtureText("pid1/solved.top.txt"),
    "pass",
    /PID 1 is the app itself: node dist\/main.js api/,
  ],
  [
    "recorded: exec form while a health probe (exec, parent outside) runs",
    fixtureText("pid1/exec-form-with-probe.top.txt"),
    "pass",
    /app itself/,
  ],
  [
    "recorded: docker run --init (docker-init → node)",
    fixtureText("pid1/init.top.txt"),
    "pass",
    /PID 1 is docker-init, which forwards signals/,
  ],
  [
    "recorded: entrypoint script that ends with exec",
    fixtureText("pid1/shell-exec.top.txt"),
    "pass",
    /app itself/,
  ],
  [
    "recorded: bash -c 'echo …; node …' (bash execs its last command)",
    fixtureText("pid1/bash-script.top.txt"),
    "pass",
    /app itself/,
  ],
  [
    "tini from the node docs' Dockerfile",
    top("7 1 /usr/bin/tini -- node server.js", "12 7 node server.js"),
    "pass",
    /tini, which forwards/,
  ],
  [
    "dumb-init (Yelp) before the app",
    top("7 1 /usr/bin/dumb-init -- python3 app.py", "9 7 python3 app.py"),
    "pass",
    /dumb-init/,
  ],
  [
    "pm2-runtime, made for containers",
    top("7 1 node /usr/local/bin/pm2-runtime ecosystem.config.js", "30 7 node /app/server.js"),
    "pass",
    /pm2-runtime, which forwards/,
  ],
  [
    "gunicorn master with workers",
    top(
      "7 1 /usr/local/bin/python /usr/local/bin/gunicorn app:app",
      "20 7 /usr/local/bin/python /usr/local/bin/gunicorn app:app",
    ),
    "pass",
    /app itself/,
  ],
  // wrong
  [
    "recorded: sh -c 'node …; echo stopped' (the h05-06 mistake)",
    fixtureText("pid1/shell-semicolon.top.txt"),
    "fail",
    /^PID 1 is a shell \(sh -c node dist\/main.js api; echo/,
  ],
  [
    "recorded: shell-form CMD, one command (dash does not exec it)",
    fixtureText("pid1/shell-single.top.txt"),
    "fail",
    /^PID 1 is a shell/,
  ],
  [
    "recorded: npm run api as PID 1",
    fixtureText("pid1/npm-start.top.txt"),
    "fail",
    /^PID 1 is npm \(npm run api\)/,
  ],
  [
    "recorded: --init in front of a shell wrapper",
    fixtureText("pid1/init-shell.top.txt"),
    "fail",
    /^PID 1 \(docker-init\) runs a shell/,
  ],
  [
    "recorded: bash that traps TERM and forwards it (still a shell)",
    fixtureText("pid1/trap-forward.top.txt"),
    "fail",
    /PID 1 is a shell \(bash/,
  ],
  [
    "yarn start (yarn v1 as node script)",
    top(
      "7 1 node /opt/yarn-v1.22.19/bin/yarn.js start",
      "40 7 /bin/sh -c node index.js",
      "41 40 node index.js",
    ),
    "fail",
    /PID 1 is yarn/,
  ],
  [
    "nodemon left in from development",
    top("7 1 node /app/node_modules/.bin/nodemon src/index.js", "33 7 node src/index.js"),
    "fail",
    /PID 1 is nodemon/,
  ],
  [
    "su to drop root, app as su's child",
    top("7 1 su node -c node dist/main.js", "8 7 node dist/main.js"),
    "fail",
    /PID 1 is su/,
  ],
  ["an init with nothing under it", top("7 1 /sbin/docker-init --"), "fail", /runs no app process/],
];

describe("container.pid1", () => {
  const table = variants.map(([name, text, status, summary]) => ({ name, text, status, summary }));
  it.each(table)("$name → $status", ({ text, status, summary }) => {
    const { top: t, pid } = topFixture(text);
    const info = caseApi((i) => {
      i.State.Pid = pid;
    });
    const r = evaluatePid1("case-api", info, t);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    expect(JSON.stringify(r.evidence)).toContain("PID 1 → app");
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v[2] === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v[2] === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("no container, a stopped one, or a State.Pid not in the list", () => {
    expect(evaluatePid1("case-api", undefined, undefined).evidence[0]?.observed).toBe(
      "404 no such container",
    );
    const stopped = caseApi((i) => {
      i.State.Running = false;
      i.State.Status = "exited";
    });
    expect(evaluatePid1("case-api", stopped, undefined).summary).toMatch(/exited, not running/);
    const { top: t } = topFixture(fixtureText("pid1/solved.top.txt"));
    const r = evaluatePid1(
      "case-api",
      caseApi((i) => {
        i.State.Pid = 1;
      }),
      t,
    );
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/^Can't tell, because PID 1 \(State.Pid\)/);
  });
});
