import { cpSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../src/common/paths.ts";
import { silentProgress } from "../../src/common/progress.ts";
import { seedStarterApp } from "../../src/exercises/starter-app.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { execIn, hostDocker, until } from "../support/lab-helpers.ts";

const lab = `cs${Date.now().toString(36)}`;
const home = tempHome();
const workspace = join(home, "workspace");
const stackDir = "/workspace/stack";
let docker: Docker;

const inLaptop = (cmd: string[]) => execIn(docker, lab, "laptop", cmd);
const compose = (...args: string[]) =>
  inLaptop(["docker", "compose", "--project-directory", stackDir, ...args]);

beforeAll(async () => {
  docker = await hostDocker();
  const up = await drydock(["lab", "up", "--lab", lab, "--workspace", workspace], { home });
  expect(up.code, up.stderr).toBe(0);
  // The starter app (with its offline npm cache), Drydock's reference Dockerfile, and the stack.
  await seedStarterApp(workspace, home, silentProgress);
  cpSync(
    join(repoRoot, "exercises", "h03-04", "Dockerfile"),
    join(workspace, "reg-case-platform", "Dockerfile"),
  );
  cpSync(
    join(repoRoot, "exercises", "h03-04", "dockerignore"),
    join(workspace, "reg-case-platform", ".dockerignore"),
  );
  cpSync(join(repoRoot, "lab-agent", "test", "fixtures", "reg-case-compose"), join(workspace, "stack"), {
    recursive: true,
  });
});

afterAll(async () => {
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe("the capstone stack on laptop, offline, from seeded images", () => {
  it("the app image builds FROM node:20-slim with no internet", async () => {
    const build = await inLaptop([
      "docker",
      "build",
      "-t",
      "reg-case-platform:it",
      "/workspace/reg-case-platform",
    ]);
    expect(build.code, build.output).toBe(0);
  });

  it("postgres + redis + migrate + api + worker come up with every healthcheck green", async () => {
    const up = await compose("up", "-d", "--wait", "--wait-timeout", "180");
    expect(up.code, up.output).toBe(0);
    const ps = await compose("ps", "-a", "--format", "{{.Service}} {{.State}} {{.Health}} {{.ExitCode}}");
    const rows = Object.fromEntries(
      ps.output
        .trim()
        .split("\n")
        .map((line) => {
          const [service, ...rest] = line.split(" ");
          return [service, rest.join(" ")];
        }),
    );
    expect(rows).toMatchObject({
      postgres: "running healthy 0",
      redis: "running healthy 0",
      api: "running healthy 0",
      worker: "running healthy 0",
      migrate: "exited  0",
    });
  });

  it("serves a report end to end: case created, moved, audited by the worker", async () => {
    const report = await inLaptop([
      "curl",
      "-fsS",
      "-X",
      "POST",
      "http://localhost:8080/reports",
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify({ title: "Unlicensed lender", description: "No licence shown", reporter: "hotline" }),
    ]);
    expect(report.code, report.output).toBe(0);
    const created = JSON.parse(report.output) as { id: string; status: string };
    expect(created.status).toBe("open");
    const moved = await inLaptop([
      "curl",
      "-fsS",
      "-X",
      "POST",
      `http://localhost:8080/cases/${created.id}/transitions`,
      "-H",
      "content-type: application/json",
      "-d",
      JSON.stringify({ to: "investigating" }),
    ]);
    expect(JSON.parse(moved.output)).toMatchObject({ id: created.id, status: "investigating" });
    const audit = await until("two audit rows from the worker", async () => {
      const res = await inLaptop(["curl", "-fsS", `http://localhost:8080/cases/${created.id}/audit`]);
      const body = JSON.parse(res.output) as { items?: unknown[] } | unknown[];
      const items = Array.isArray(body) ? body : (body.items ?? []);
      return items.length >= 2 ? items : undefined;
    });
    expect(audit.length).toBe(2);
    // Secrets came from files and never reached the logs.
    const logs = await compose("logs", "--no-color", "api", "worker", "migrate");
    expect(logs.output).not.toContain("it_secret_pw");
  });

  it("`down -v` leaves no container, network or volume of the stack", async () => {
    const down = await compose("down", "-v");
    expect(down.code, down.output).toBe(0);
    const label = "label=com.docker.compose.project=reg-case-it";
    for (const kind of ["container", "network", "volume"]) {
      const left = await inLaptop([
        "docker",
        kind,
        "ls",
        ...(kind === "container" ? ["-a"] : []),
        "-q",
        "--filter",
        label,
      ]);
      expect(left.output.trim(), `${kind}s left`).toBe("");
    }
  });
});
