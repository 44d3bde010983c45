import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { evaluateSocket, socketPath } from "./docker-socket.ts";
import type { Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const sockvol = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures/sockvol.volume.json"), "utf8"));
const v: Variant[] = [
  [
    "stack: only a tmpfs",
    "stack-hard",
    undefined,
    "pass",
    /mount no engine socket/,
    { id: "5.32", result: "PASS" },
  ],
  [
    "compose: a secret file bind",
    "rec-hard-1",
    undefined,
    "pass",
    /no engine socket/,
    { id: "5.32", result: "PASS" },
  ],
  [
    "docker run with no mounts",
    "run-plain",
    undefined,
    "pass",
    /no engine socket/,
    { id: "5.32", result: "PASS" },
  ],
  [
    "a named volume of the local driver with no options",
    "run-vol",
    (r) => {
      r.volumes = { sockvol: { Driver: "local", Options: null } };
    },
    "pass",
    /no engine socket/,
    { id: "5.32", result: "PASS" },
  ],
  [
    "compose: /var/run/docker.sock:/var/run/docker.sock:ro (read-only changes nothing)",
    "rec-loose-1",
    undefined,
    "fail",
    /\/var\/run\/docker\.sock is an engine socket/,
    { id: "5.32", result: "WARN" },
  ],
  [
    "docker run -v /var/run/docker.sock:/var/run/docker.sock",
    "run-bad",
    undefined,
    "fail",
    /engine socket/,
    { id: "5.32", result: "WARN" },
  ],
  [
    "docker run -v /var/run:/host-run: the folder holds the socket",
    "run-mount",
    (r) => {
      r.inspect.Mounts = (r.inspect.Mounts ?? []).filter((m) => m.Destination === "/host-run");
    },
    "fail",
    /\/var\/run holds the engine's socket/,
    { id: "5.32", result: "PASS", differs: /looks for the text "docker\.sock".*reaches it another way/ },
  ],
  [
    "docker run -v ./dsock:/engine where dsock links to the socket",
    "run-link",
    (r) => {
      r.sources["/workspace/rec/dsock"] = { resolved: "/run/docker.sock", kind: "socket" };
    },
    "fail",
    /\(\/workspace\/rec\/dsock links there\)/,
    { id: "5.32", result: "PASS", differs: /reaches it another way/ },
  ],
  [
    "a named volume whose driver options bind /var/run",
    "run-vol",
    (r) => {
      r.volumes = { sockvol: { Driver: sockvol.Driver, Options: sockvol.Options } };
    },
    "fail",
    /volume sockvol, whose driver options bind \/var\/run/,
    { id: "5.32", result: "PASS", differs: /reaches it another way/ },
  ],
  [
    "stack: /var/run:/host-run for a stats agent",
    "stack-loose",
    undefined,
    "fail",
    /holds the engine's socket/,
    { id: "5.32", result: "PASS", differs: /another way/ },
  ],
  [
    "DOCKER_HOST=tcp://manager-1:2376 in the environment",
    "run-plain",
    (r) => {
      r.inspect.Config = {
        ...r.inspect.Config,
        Env: [...(r.inspect.Config?.Env ?? []), "DOCKER_HOST=tcp://manager-1:2376"],
      };
    },
    "fail",
    /reaches an engine through DOCKER_HOST/,
    { id: "5.32", result: "PASS", differs: /another way/ },
  ],
];

describe("hardening.docker-socket on recorded containers", () => {
  runVariants(v, evaluateSocket);
  it("knows the socket's paths", () => {
    expect(socketPath("/run/docker.sock")).toMatch(/engine socket/);
    expect(socketPath("/var/run/")).toMatch(/holds/);
    expect(socketPath("/run/containerd/containerd.sock")).toMatch(/engine socket/);
    expect(socketPath("/var")).toBeNull();
    expect(socketPath("/srv/data")).toBeNull();
  });
});

describe("which laptop containers are the app's", () => {
  it("compares repositories, whatever the tag or digest (a registry port is not a tag)", async () => {
    const { repository } = await import("./review.ts");
    expect(repository("registry:5000/reg-case-platform")).toBe("registry:5000/reg-case-platform");
    expect(repository("registry:5000/reg-case-platform:1.0.0")).toBe("registry:5000/reg-case-platform");
    expect(repository(`registry:5000/reg-case-platform@sha256:${"a".repeat(64)}`)).toBe(
      "registry:5000/reg-case-platform",
    );
  });
});
