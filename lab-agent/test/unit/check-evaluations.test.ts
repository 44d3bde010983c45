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
import { evaluatePid1, pid1Of, type TopResult } from "../../src/checks/runtime-checks.ts";
import { evaluateStackDeployed } from "../../src/checks/swarm-checks.ts";
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

  it("deployed by digest: the stack label says so; a tag in the label fails even when Swarm pinned it", () => {
    const file = { path: "/workspace/reg-case-platform/stack.yml", services: ["case-api"] };
    const ok = evaluateStackDeployed(facts(svc as SwarmService), file, {
      stack: "reg-case",
      services: ["case-api"],
    });
    expect(ok.status).toBe("pass");
    const image = (svc as SwarmService).Spec.TaskTemplate?.ContainerSpec?.Image as string;
    const byTag = {
      ...(svc as SwarmService),
      Spec: {
        ...(svc as SwarmService).Spec,
        Labels: {
          ...(svc as SwarmService).Spec.Labels,
          "com.docker.stack.image": "registry:5000/reg-case-platform:1.0.0",
        },
      },
    };
    expect(image).toMatch(/@sha256:/);
    expect(
      evaluateStackDeployed(facts(byTag), file, { stack: "reg-case", services: ["case-api"] }).summary,
    ).toContain("by tag");
  });
});
