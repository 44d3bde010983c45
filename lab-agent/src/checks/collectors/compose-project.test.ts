import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { readModel } from "../parsers/compose-model.ts";
import { configArgv, filesFromLabels, profileNames } from "./compose-project.ts";

const ctr = (created: string, labels: Record<string, string>) =>
  ({ Created: created, Config: { Labels: labels } }) as unknown as Docker.ContainerInspectInfo;
const F = "com.docker.compose.project.config_files";

describe("compose project collector", () => {
  it("takes the newest container's -f list, working dir and env files", () => {
    const got = filesFromLabels([
      ctr("2026-12-02T04:00:00Z", { [F]: "/w/compose.yml" }),
      ctr("2026-12-02T04:10:00Z", {
        [F]: "/w/compose.yml,/w/compose.dev.yml",
        "com.docker.compose.project.working_dir": "/w",
        "com.docker.compose.project.environment_file": "/w/.env,/w/dev.env",
      }),
    ]);
    expect(got).toEqual({
      files: ["/w/compose.yml", "/w/compose.dev.yml"],
      workingDir: "/w",
      envFiles: ["/w/.env", "/w/dev.env"],
    });
  });
  it("without a working_dir label (older Compose), the first file's folder", () => {
    expect(filesFromLabels([ctr("2026-12-02T04:00:00Z", { [F]: "/a/b/compose.yml" })])?.workingDir).toBe(
      "/a/b",
    );
    expect(filesFromLabels([ctr("2026-12-02T04:00:00Z", {})])).toBeUndefined();
  });
  it("runs Compose with the project name only for a running project, and every -f, env file and profile", () => {
    const base = { project: "reg-case", workingDir: "/w", envFiles: ["/w/dev.env"] };
    expect(
      configArgv({ ...base, filesFrom: "label" }, ["/w/a.yml", "/w/b.yml"], ["--format", "json"], ["seed"]),
    ).toEqual([
      "docker",
      "compose",
      "--project-name",
      "reg-case",
      "--project-directory",
      "/w",
      "--file",
      "/w/a.yml",
      "--file",
      "/w/b.yml",
      "--env-file",
      "/w/dev.env",
      "--profile",
      "seed",
      "config",
      "--format",
      "json",
    ]);
    expect(configArgv({ ...base, filesFrom: "default" }, ["/w/a.yml"], ["--profiles"])).not.toContain(
      "--project-name",
    );
  });
  it("reads profile names, and Compose's own message when it refuses", () => {
    expect(profileNames({ code: 0, stdout: "debug\nseed\n", stderr: "" })).toEqual(["debug", "seed"]);
    expect(profileNames({ code: 1, stdout: "", stderr: "x" })).toEqual([]);
    expect(
      readModel({
        code: 15,
        stdout: "",
        stderr:
          'WARN[0000] The "X" variable is not set. Defaulting to a blank string.\nyaml: line 4: mapping values are not allowed in this context\n',
      }).error,
    ).toBe("docker compose config rejects it: yaml: line 4: mapping values are not allowed in this context");
    expect(readModel({ code: 0, stdout: "not json", stderr: "" }).error).toMatch(/printed no JSON/);
  });
});
