import { createServer } from "node:net";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerName } from "../../src/lab/lab-names.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { hostDocker, labelledResources } from "../support/lab-helpers.ts";

const home = tempHome();
const lab = `e${Date.now().toString(36)}`;
let docker: Docker;

beforeAll(async () => {
  docker = await hostDocker();
});

afterAll(async () => {
  await docker
    .getContainer(containerName(lab, "registry"))
    .remove({ force: true })
    .catch(() => {});
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe("errors a user can act on", () => {
  it("an unknown command or subcommand is a usage error (exit 2) that says what is valid", async () => {
    const cmd = await drydock(["lab", "explode"], { home });
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain(
      'Unknown lab subcommand "explode" (expected up, status, swarm, reset or down)',
    );
    const option = await drydock(["lab", "up", "--colour"], { home });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("--colour");
    const badLab = await drydock(["lab", "status", "--lab", "Bad_Name"], { home });
    expect(badLab.code).toBe(2);
    expect(badLab.stderr).toContain("--lab: a lab id is 1-24 characters");
    const badSize = await drydock(["lab", "up", "--memory", "lots"], { home });
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain("--memory");
  });

  it("an unknown lab is 'not found' (exit 3), in text and as JSON", async () => {
    const text = await drydock(["lab", "status", "--lab", "no-such-lab"], { home });
    expect(text.code).toBe(3);
    expect(text.stderr).toContain('There is no lab named "no-such-lab"');
    const json = await drydock(["lab", "down", "--lab", "no-such-lab", "--json"], { home });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: "not-found" } });
  });

  it("no engine answering (exit 4) says what was tried and what to do", async () => {
    const result = await drydock(["lab", "up"], {
      home,
      env: { DOCKER_HOST: "unix:///tmp/drydock-no-engine.sock" },
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain("No Docker Engine answered.");
    expect(result.stderr).toContain("DOCKER_HOST=unix:///tmp/drydock-no-engine.sock");
    expect(result.stderr).toContain("unset DOCKER_HOST");
  });

  it("a name already taken by something else is a conflict (exit 8) and touches nothing of it", async () => {
    const squatter = await docker.createContainer({
      name: containerName(lab, "registry"),
      Image: "drydock/debian:trixie",
      Cmd: ["sleep", "60"],
    });
    try {
      const result = await drydock(["lab", "up", "--lab", lab], { home });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain(
        `The container name ${containerName(lab, "registry")} is already taken`,
      );
      expect((await squatter.inspect()).Config.Labels?.["io.drydock.lab"]).toBeUndefined();
    } finally {
      await squatter.remove({ force: true });
    }
  });

  it("a registry port already taken is a conflict (exit 8) that names the option to change", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await drydock(["lab", "up", "--lab", lab, "--registry-port", String(port)], { home });
      expect(result.code).toBe(8);
      expect(result.stderr).toContain("a host port it needs is already taken");
      expect(result.stderr).toContain("--registry-port");
    } finally {
      server.close();
    }
    const down = await drydock(["lab", "down", "--lab", lab], { home });
    expect(down.code).toBe(0);
    expect(await labelledResources(docker, lab)).toEqual({ containers: [], networks: [], volumes: [] });
  });
});
