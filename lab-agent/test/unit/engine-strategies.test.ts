import { describe, expect, it } from "vitest";
import { engineCandidates } from "../../src/engine/engine-strategies.ts";

describe("engineCandidates", () => {
  it("uses only DOCKER_HOST when it is set (unix socket)", () => {
    expect(engineCandidates({ DOCKER_HOST: "unix:///run/user/1000/docker.sock" })).toEqual([
      {
        description: "DOCKER_HOST=unix:///run/user/1000/docker.sock",
        options: { socketPath: "/run/user/1000/docker.sock" },
      },
    ]);
  });

  it("reads tcp DOCKER_HOST with TLS on 2376 or DOCKER_TLS_VERIFY", () => {
    expect(engineCandidates({ DOCKER_HOST: "tcp://10.1.2.3:2375" })[0]?.options).toEqual({
      host: "10.1.2.3",
      port: 2375,
      protocol: "http",
    });
    expect(engineCandidates({ DOCKER_HOST: "tcp://box:2376" })[0]?.options).toMatchObject({
      protocol: "https",
    });
    expect(
      engineCandidates({ DOCKER_HOST: "tcp://box:9999", DOCKER_TLS_VERIFY: "1" })[0]?.options,
    ).toMatchObject({
      protocol: "https",
      port: 9999,
    });
  });

  it("falls back to the default socket", () => {
    expect(engineCandidates({}).map((c) => c.description)).toEqual([
      "the default socket /var/run/docker.sock",
    ]);
  });
});
