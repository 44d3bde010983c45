import { readFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../src/checks/collect-image.ts";
import type { SwarmFacts, SwarmService } from "../../src/checks/collect-swarm.ts";
import { parseDockerfile } from "../../src/checks/dockerfile-model.ts";
import {
  evaluateCacheOrder,
  evaluateHealthcheck,
  evaluateMultiStage,
  evaluateNonRoot,
  evaluateNoSecrets,
  evaluateOciLabels,
} from "../../src/checks/image-checks.ts";
import {
  evaluatePreviousDigest,
  evaluateRollback,
  evaluateUpdateConfig,
} from "../../src/checks/rollout-checks.ts";
import { evaluatePid1, pid1Of, type TopResult } from "../../src/checks/runtime-checks.ts";
import { repoRoot } from "../../src/common/paths.ts";

// Recorded from a real lab (laptop and manager-1, Docker 26): image inspect/history, /etc/passwd, top, service inspect.
const FIX = join(repoRoot, "lab-agent/test/unit/fixtures/checks");
const json = <T>(name: string): T => JSON.parse(readFileSync(join(FIX, name), "utf8")) as T;
const image: ImageRecord = {
  ref: "registry:5000/reg-case-platform:dev",
  inspect: json("image-inspect.json"),
  history: json("image-history.json"),
};
const passwd = readFileSync(join(FIX, "passwd.txt"), "utf8");
const withConfig = (patch: Record<string, unknown>): ImageRecord => ({
  ...image,
  inspect: {
    ...(image.inspect as NonNullable<ImageRecord["inspect"]>),
    Config: { ...image.inspect?.Config, ...patch } as never,
  },
});
const referenceDockerfile = readFileSync(join(repoRoot, "exercises/h03-04/Dockerfile"), "utf8");
const MANIFESTS = ["package.json", "package-lock.json"];

describe("image checks on recorded inspect JSON", () => {
  it("non-root: node passes, root forms fail, a name is resolved through the image's passwd", () => {
    expect(evaluateNonRoot(image, { passwd, group: null }).status).toBe("pass");
    for (const user of ["", "0", "root", "0:0", "root:root"]) {
      expect(evaluateNonRoot(withConfig({ User: user }), { passwd, group: null }).status, user).toBe("fail");
    }
    expect(evaluateNonRoot(withConfig({ User: "65532" }), { passwd, group: null }).status).toBe("pass");
    expect(evaluateNonRoot(withConfig({ User: "app" }), { passwd, group: null }).summary).toContain(
      "cannot be resolved",
    );
    expect(evaluateNonRoot({ ref: "x" }, undefined).summary).toContain("no image x");
  });

  it("labels: own values pass; inherited or missing ones fail", () => {
    const required = ["org.opencontainers.image.title", "org.opencontainers.image.source"];
    expect(evaluateOciLabels(image, undefined, required).status).toBe("pass");
    const title = image.inspect?.Config.Labels?.["org.opencontainers.image.title"] as string;
    const inherited = evaluateOciLabels(
      image,
      { ref: "node:20-slim", labels: { "org.opencontainers.image.title": title } },
      required,
    );
    expect(inherited.status).toBe("fail");
    expect(inherited.evidence[0]?.expected).toContain("inherited from node:20-slim");
    expect(
      evaluateOciLabels(
        withConfig({
          Labels: { "org.opencontainers.image.title": "x", "org.opencontainers.image.source": "not a url" },
        }),
        undefined,
        required,
      ).summary,
    ).toContain("not a URL");
  });

  it("healthcheck: present passes; none and NONE fail", () => {
    expect(evaluateHealthcheck(image).status).toBe("pass");
    expect(evaluateHealthcheck(withConfig({ Healthcheck: undefined })).status).toBe("fail");
    expect(evaluateHealthcheck(withConfig({ Healthcheck: { Test: ["NONE"] } })).summary).toContain(
      "HEALTHCHECK NONE",
    );
  });

  it("secrets: the recorded image is clean; a baked DATABASE_URL fails with its value masked", () => {
    expect(evaluateNoSecrets(image).status).toBe("pass");
    const bad = evaluateNoSecrets(withConfig({ Env: ["DATABASE_URL=postgres://case:topsecret@db/case"] }));
    expect(bad.status).toBe("fail");
    expect(JSON.stringify(bad)).not.toContain("topsecret");
  });
});

describe("Dockerfile checks on the reference Dockerfile and its mistakes", () => {
  it("multi-stage passes; one stage, FROM build and no COPY --from fail", () => {
    expect(evaluateMultiStage(parseDockerfile("Dockerfile", referenceDockerfile)).status).toBe("pass");
    expect(evaluateMultiStage(parseDockerfile("D", "FROM node:20-slim\nRUN npm ci\n")).summary).toContain(
      "1 stage",
    );
    expect(
      evaluateMultiStage(parseDockerfile("D", "FROM node:20-slim AS build\nRUN x\nFROM build\nCMD x\n"))
        .summary,
    ).toContain('FROM the stage "build"');
    expect(
      evaluateMultiStage(parseDockerfile("D", "FROM node:20-slim AS b\nRUN x\nFROM node:20-slim\nCOPY . .\n"))
        .summary,
    ).toContain("copies nothing");
  });

  it("cache order passes for manifests first; COPY . . or COPY src before npm ci fails", () => {
    expect(evaluateCacheOrder(parseDockerfile("Dockerfile", referenceDockerfile), MANIFESTS).status).toBe(
      "pass",
    );
    const early = evaluateCacheOrder(
      parseDockerfile("D", "FROM node:20-slim\nCOPY . .\nRUN npm ci\n"),
      MANIFESTS,
    );
    expect(early.summary).toContain("Line 2 copies . before the dependency install at line 3");
    expect(
      evaluateCacheOrder(
        parseDockerfile("D", "FROM node:20-slim\nCOPY package.json src/ ./\nRUN npm install\n"),
        MANIFESTS,
      ).status,
    ).toBe("fail");
    expect(
      evaluateCacheOrder(parseDockerfile("D", "FROM node:20-slim\nCOPY . .\n"), MANIFESTS).summary,
    ).toContain("No dependency install");
  });
});

describe("runtime checks on recorded top output", () => {
  const top = readFileSync(join(FIX, "top.txt"), "utf8").trim().split("\n");
  const parsed: TopResult = {
    Titles: ["PID", "PPID", "CMD"],
    Processes: top.slice(1).map((l) => {
      const [pid, ppid, ...cmd] = l.trim().split(/\s+/);
      return [pid as string, ppid as string, cmd.join(" ")];
    }),
  };
  const pid = Number(parsed.Processes[0]?.[0]);
  const info = {
    State: { Running: true, Status: "running", Pid: pid },
    Config: { Entrypoint: ["node", "dist/main.js"], Cmd: ["api"] },
  } as unknown as Docker.ContainerInspectInfo;

  it("finds PID 1 by State.Pid even when a health probe also runs", () => {
    expect(pid1Of(parsed, pid)?.cmd).toBe("node dist/main.js api");
    expect(evaluatePid1("case-api", info, parsed).status).toBe("pass");
  });

  it("a shell as PID 1 fails; an init whose child is the app passes", () => {
    const shell: TopResult = {
      Titles: ["PID", "PPID", "CMD"],
      Processes: [
        ["10", "1", "sh -c node dist/main.js api; echo stopped"],
        ["11", "10", "node dist/main.js api"],
      ],
    };
    const withPid = (p: number) =>
      ({ ...info, State: { ...info.State, Pid: p } }) as Docker.ContainerInspectInfo;
    expect(evaluatePid1("case-api", withPid(10), shell).summary).toContain("A shell runs the app");
    const init: TopResult = {
      Titles: ["PID", "PPID", "CMD"],
      Processes: [
        ["20", "1", "/sbin/docker-init -- node dist/main.js api"],
        ["21", "20", "node dist/main.js api"],
      ],
    };
    expect(evaluatePid1("case-api", withPid(20), init).status).toBe("pass");
  });
});

describe("swarm checks on a recorded service", () => {
  const [svc] = json<SwarmService[]>("service-case-api.json");
  const facts = (s: SwarmService): SwarmFacts => ({
    localState: "active",
    isManager: true,
    nodes: [],
    services: [s],
    tasks: [],
  });
  const params = { stack: "reg-case", service: "case-api" };

  it("update config from stack.yml is safe; Swarm's defaults are not", () => {
    expect(evaluateUpdateConfig({ swarm: facts(svc as SwarmService), history: [] }, params).status).toBe(
      "pass",
    );
    const defaults = {
      ...(svc as SwarmService),
      Spec: {
        ...(svc as SwarmService).Spec,
        UpdateConfig: { Parallelism: 1, FailureAction: "pause", Order: "stop-first" },
      },
    };
    expect(evaluateUpdateConfig({ swarm: facts(defaults), history: [] }, params).summary).toMatch(
      /failure_action is pause, order is stop-first, no monitor window/,
    );
  });

  it("rollback: a manual one or a paused one fails; an automatic one with a failed task passes", () => {
    const digest = (c: string) => `registry:5000/reg-case-platform@sha256:${c.repeat(64)}`;
    const rolled: SwarmService = {
      ...(svc as SwarmService),
      Spec: {
        ...(svc as SwarmService).Spec,
        TaskTemplate: { ...(svc as SwarmService).Spec.TaskTemplate, ContainerSpec: { Image: digest("a") } },
      },
      PreviousSpec: { TaskTemplate: { ContainerSpec: { Image: digest("b") } } },
      UpdateStatus: { State: "rollback_completed", Message: "rollback completed" },
      ServiceStatus: { RunningTasks: 1, DesiredTasks: 1 },
    };
    const tasks = [
      {
        ID: "t1",
        ServiceID: rolled.ID,
        DesiredState: "running",
        Status: { State: "running" },
        Spec: { ContainerSpec: { Image: digest("a") } },
      },
      {
        ID: "t2",
        ServiceID: rolled.ID,
        DesiredState: "shutdown",
        Status: { State: "failed", Err: "task: non-zero exit (137): unhealthy container" },
        Spec: { ContainerSpec: { Image: digest("b") } },
      },
    ];
    const swarm = { ...facts(rolled), tasks };
    expect(evaluateRollback({ swarm, history: [] }, params).status).toBe("pass");
    const manual = [
      {
        at: "t",
        service: "reg-case_case-api",
        kind: "update-state" as const,
        old: "completed",
        new: "rollback_started",
        message: "manually requested rollback",
        image: digest("b"),
      },
    ];
    expect(evaluateRollback({ swarm, history: manual }, params).summary).toContain("by hand");
    const paused = { ...rolled, UpdateStatus: { State: "paused", Message: "update paused due to failure" } };
    expect(evaluateRollback({ swarm: { ...facts(paused), tasks }, history: [] }, params).summary).toContain(
      "paused instead",
    );
    expect(evaluatePreviousDigest({ swarm, history: [] }, params).summary).toContain(
      `sha256:${"b".repeat(64)}`,
    );
    const noPrev = { ...rolled, PreviousSpec: undefined };
    expect(evaluatePreviousDigest({ swarm: facts(noPrev), history: [] }, params).summary).toContain(
      "no previous spec",
    );
  });
});
