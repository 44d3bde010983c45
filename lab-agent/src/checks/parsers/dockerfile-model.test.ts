// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile and shell variables, not template strings
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { identifyStage } from "./built-stage.ts";
import { expandVars, mounts, parseDockerfile, stagesNeeded } from "./dockerfile-model.ts";

describe("Dockerfile model", () => {
  it.each([
    ["node:${NODE_VERSION}-slim", { NODE_VERSION: "20" }, "node:20-slim"],
    ["$BASE", { BASE: "build" }, "build"],
    ["${BASE:-node:20}", {}, "node:20"],
    ["${BASE:-node:20}", { BASE: "" }, "node:20"],
    ["${BASE-node:20}", { BASE: "" }, ""],
    ["x${SUFFIX:+-dev}", { SUFFIX: "1" }, "x-dev"],
    ["${RUNTIME_BASE}", { RUNTIME_BASE: null }, null],
  ] as const)("expands %s", (text, vars, out) => {
    expect(expandVars(text, vars as Record<string, string | null>)).toBe(out);
  });

  it("keeps the exec form's words whole, with flags and continuation lines", () => {
    const m = parseDockerfile(
      "D",
      'FROM x\nRUN ["sh", "-c", "corepack enable && \\\n  yarn install"]\nCOPY --chown=1:1 ["a b.json", "./"]\n',
    );
    expect(m.stages[0]?.instructions[0]?.args).toEqual(["sh", "-c", "corepack enable &&   yarn install"]);
    expect(m.stages[0]?.instructions[1]?.args).toEqual(["a b.json", "./"]);
  });

  it("reads every --mount of a RUN, bind by default", () => {
    const m = parseDockerfile(
      "D",
      "FROM x\nRUN --mount=source=package.json,target=package.json --mount=type=cache,target=/root/.npm --mount=type=bind,from=build,source=/out,target=/in npm ci\n",
    );
    expect(mounts(m.stages[0]?.instructions[0] as never)).toEqual([
      { type: "bind", source: "package.json", target: "package.json", from: null },
      { type: "cache", source: null, target: "/root/.npm", from: null },
      { type: "bind", source: "/out", target: "/in", from: "build" },
    ]);
  });

  it("knows which stages a target needs (FROM chain, COPY --from, RUN --mount from=)", () => {
    const m = parseDockerfile(
      "D",
      "FROM a AS base\nFROM base AS deps\nRUN x\nFROM a AS tools\nRUN y\nFROM a AS unused\nFROM base AS final\nCOPY --from=deps /x /x\nRUN --mount=from=tools,source=/t,target=/t z\n",
    );
    expect(stagesNeeded(m, m.stages[4] as never).map((s) => s.name)).toEqual([
      "base",
      "deps",
      "tools",
      "final",
    ]);
  });

  it("identifies the stage from a classic-builder history too", () => {
    const m = parseDockerfile(
      "D",
      "FROM node AS build\nWORKDIR /src\nCOPY . .\nRUN npm ci\nFROM node AS runtime\nWORKDIR /app\nCOPY --from=build /src/dist ./dist\nUSER node\n",
    );
    const classic = [
      "/bin/sh -c #(nop)  USER node",
      "/bin/sh -c #(nop) COPY dir:4f3a in ./dist ",
      "/bin/sh -c #(nop) WORKDIR /app",
      '/bin/sh -c #(nop)  CMD ["node"]',
    ];
    const r = identifyStage(m, classic);
    expect(r.stage?.name).toBe("runtime");
    const build = identifyStage(m, [
      "|1 X=y /bin/sh -c npm ci",
      "/bin/sh -c #(nop) COPY dir:1 in . ",
      "/bin/sh -c #(nop) WORKDIR /src",
      "x",
    ]);
    expect(build.stage?.name).toBe("build");
  });

  it("matches BuildKit's history of ARG without default, SHELL, STOPSIGNAL, VOLUME, heredoc and exec-form RUN, ONBUILD (recorded)", () => {
    const dockerfile = readFileSync(
      join(import.meta.dirname, "fixtures", "buildkit-forms.Dockerfile"),
      "utf8",
    );
    const history = JSON.parse(
      readFileSync(join(import.meta.dirname, "fixtures", "buildkit-forms.history.json"), "utf8"),
    );
    const m = parseDockerfile("D", dockerfile);
    expect(identifyStage(m, history).stage?.name).toBe("final");
  });

  it("matches a relative WORKDIR, which BuildKit records resolved, and COPY --chown/--link (recorded)", () => {
    const m = parseDockerfile(
      "D",
      "FROM busybox AS b\nWORKDIR /src\nRUN echo x > f\nFROM busybox\nWORKDIR app\nCOPY --from=b --chown=1:1 --link /src/f ./f\nUSER 1000:1000\n",
    );
    const history = [
      "USER 1000:1000",
      "COPY --chown=1:1 /src/f ./f # buildkit",
      "WORKDIR /app",
      "/bin/sh -c #(nop)  LABEL x=y",
    ];
    expect(identifyStage(m, history).stage?.index).toBe(1);
  });

  it.each(["final", "build"])(
    "identifies a docker init layout built for %s (recorded, Docker 26)",
    (target) => {
      const dir = join(import.meta.dirname, "fixtures");
      const m = parseDockerfile("D", readFileSync(join(dir, "docker-init-layout.Dockerfile"), "utf8"));
      const history = JSON.parse(readFileSync(join(dir, "docker-init-layout.history.json"), "utf8"))[target];
      expect(identifyStage(m, history).stage?.name).toBe(target);
    },
  );

  it("can't tell between two unrelated stages with the same history", () => {
    const m = parseDockerfile("D", "FROM a AS one\nUSER node\nFROM a AS two\nUSER node\n");
    const r = identifyStage(m, ["USER node", "base"]);
    expect(r.stage).toBeNull();
  });
});
