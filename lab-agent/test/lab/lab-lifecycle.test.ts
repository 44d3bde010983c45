import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerName, ENGINE_ROLES, networkName } from "../../src/lab/lab-names.ts";
import { LabStatus } from "../../src/lab/lab-status.ts";
import { swarmView } from "../../src/lab/swarm-view.ts";
import { drydock, drydockKilledAt, tempHome } from "../support/cli.ts";
import { execIn, hostDocker, labelledResources, nodeClient, until } from "../support/lab-helpers.ts";

const lab = `t${Date.now().toString(36)}`;
const home = tempHome();
const workspace = join(home, "my-workspace");
let docker: Docker;

function parseStatus(stdout: string): LabStatus {
  return LabStatus.parse(JSON.parse(stdout));
}

beforeAll(async () => {
  docker = await hostDocker();
});

afterAll(async () => {
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe.sequential(`one lab (${lab}) from up to down`, () => {
  it("`up` starts the registry and four engines that all answer, capped and labelled", async () => {
    const up = await drydock(
      ["lab", "up", "--lab", lab, "--workspace", workspace, "--memory", "1536m", "--json"],
      { home },
    );
    expect(up.stderr).not.toContain("✗");
    expect(up.code).toBe(0);
    const status = parseStatus(up.stdout);
    expect(status.workspace).toBe(workspace);
    expect(status.nodes.map((n) => [n.role, n.state, n.healthy])).toEqual([
      ["registry", "running", true],
      ["laptop", "running", true],
      ["manager-1", "running", true],
      ["worker-1", "running", true],
      ["worker-2", "running", true],
    ]);
    for (const node of status.nodes.filter((n) => n.role !== "registry")) {
      expect(node.version).toMatch(/^26\./);
      expect(node.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    const laptop = await docker.getContainer(containerName(lab, "laptop")).inspect();
    expect(laptop.HostConfig.Memory).toBe(1536 * 1024 ** 2);
    expect(laptop.HostConfig.PidsLimit).toBe(4096);
    expect(laptop.Config.Labels).toMatchObject({ "io.drydock.lab": lab, "io.drydock.role": "laptop" });
    expect(laptop.Mounts.find((m) => m.Destination === "/workspace")?.Source).toBe(workspace);
    // The host Docker socket is never handed to a lab.
    for (const role of ENGINE_ROLES) {
      const info = await docker.getContainer(containerName(lab, role)).inspect();
      expect(info.Mounts.map((m) => m.Source)).not.toContain("/var/run/docker.sock");
    }
    const resources = await labelledResources(docker, lab);
    expect(resources.networks.map((n) => n.Name)).toEqual([networkName(lab)]);
    expect(resources.volumes.length).toBeGreaterThanOrEqual(6); // certs, registry data, 4 engine states
  });

  it("laptop builds FROM debian:trixie-slim through the registry mirror and pushes to registry:5000", async () => {
    mkdirSync(join(workspace, "demo"), { recursive: true });
    writeFileSync(
      join(workspace, "demo", "Dockerfile"),
      'FROM debian:trixie-slim\nRUN echo "built in the lab" > /built.txt\nCMD ["sleep", "infinity"]\n',
    );
    const build = await execIn(docker, lab, "laptop", [
      "docker",
      "build",
      "-t",
      "registry:5000/demo:1",
      "/workspace/demo",
    ]);
    expect(build.output).toContain("debian:trixie-slim");
    expect(build.code).toBe(0);
    // The graph driver, not the containerd image store: rebuilding a tag there can fail at random
    // unpacking the result ("parent snapshot … does not exist", moby/buildkit#6521).
    const driver = await execIn(docker, lab, "laptop", ["docker", "info", "--format", "{{.Driver}}"]);
    expect(driver.output.trim()).toBe("overlay2");
    const push = await execIn(docker, lab, "laptop", ["docker", "push", "registry:5000/demo:1"]);
    expect(push.code).toBe(0);
    expect(push.output).toMatch(/digest: sha256:[0-9a-f]{64}/);
    // With no internet, only the lab registry (as Docker Hub mirror) can serve a library image.
    const pulled = await execIn(docker, lab, "laptop", ["docker", "pull", "debian:trixie-slim"]);
    expect(pulled.output).toContain("Digest: sha256:");
    expect(pulled.code).toBe(0);
  });

  it("`swarm` forms a swarm of 3 Ready nodes with placement labels, and is safe to repeat", async () => {
    const first = await drydock(["lab", "swarm", "--lab", lab, "--json"], { home });
    expect(first.code).toBe(0);
    const again = await drydock(["lab", "swarm", "--lab", lab, "--json"], { home });
    expect(again.code).toBe(0);
    // Without IPVS in the host's kernel, virtual IPs cannot work: the learner is told so, once per run.
    const noIpvs = !existsSync("/proc/net/ip_vs");
    expect(first.stderr.includes("kernel has no IPVS"), first.stderr).toBe(noIpvs);
    const { nodes } = JSON.parse(again.stdout) as {
      nodes: Array<{ hostname: string; role: string; state: string; labels: Record<string, string> }>;
    };
    expect(nodes.map((n) => [n.hostname, n.role, n.state])).toEqual([
      ["manager-1", "manager", "ready"],
      ["worker-1", "worker", "ready"],
      ["worker-2", "worker", "ready"],
    ]);
    expect(nodes[1]?.labels).toEqual({ workload: "app" });
    expect(nodes[2]?.labels).toEqual({ workload: "app", stateful: "true" });
    const status = parseStatus((await drydock(["lab", "status", "--lab", lab, "--json"], { home })).stdout);
    expect(status.nodes.find((n) => n.role === "manager-1")?.swarm?.role).toBe("manager");
    expect(status.nodes.find((n) => n.role === "worker-2")?.swarm?.role).toBe("worker");
    expect(status.nodes.find((n) => n.role === "laptop")?.swarm?.state).toBe("inactive");
    // The learner's `swarm` context on laptop reaches manager-1 over the lab's TLS.
    const viaContext = await execIn(docker, lab, "laptop", [
      "docker",
      "--context",
      "swarm",
      "node",
      "ls",
      "--format",
      "{{.Hostname}}",
    ]);
    expect(viaContext.output.trim().split("\n").sort()).toEqual(["manager-1", "worker-1", "worker-2"]);
  });

  it("a 3-replica service deployed by digest from the lab registry converges across the nodes", async () => {
    const push = await execIn(docker, lab, "laptop", [
      "docker",
      "inspect",
      "--format",
      "{{index .RepoDigests 0}}",
      "registry:5000/demo:1",
    ]);
    const byDigest = push.output.trim();
    expect(byDigest).toMatch(/^registry:5000\/demo@sha256:[0-9a-f]{64}$/);
    const manager = await nodeClient(docker, lab, "manager-1");
    await manager.createService({
      Name: "demo",
      TaskTemplate: { ContainerSpec: { Image: byDigest }, Placement: { MaxReplicas: 1 } },
      Mode: { Replicated: { Replicas: 3 } },
    });
    const running = await until(
      "3 running demo tasks",
      async () => {
        const tasks = await manager.listTasks({
          filters: { service: ["demo"], "desired-state": ["running"] },
        });
        const live = tasks.filter((t) => t.Status?.State === "running");
        return live.length === 3 ? live : undefined;
      },
      90_000,
    );
    expect(new Set(running.map((t) => t.NodeID)).size).toBe(3);
    expect(running.every((t) => t.Spec?.ContainerSpec?.Image === byDigest)).toBe(true);
    // A worker ran it from the lab registry: the file baked in the laptop is there.
    const onWorker = await execIn(docker, lab, "worker-1", [
      "sh",
      "-c",
      "docker exec $(docker ps -q --filter label=com.docker.swarm.service.name=demo) cat /built.txt",
    ]);
    expect(onWorker.output.trim()).toBe("built in the lab");
    // What the page's swarm grid reads (GET /api/swarm).
    const view = await swarmView(docker, lab);
    expect(view.nodes.map((n) => n.hostname).sort()).toEqual(["manager-1", "worker-1", "worker-2"]);
    expect(view.services).toEqual([
      expect.objectContaining({ name: "demo", image: byDigest, mode: "replicated", desired: 3, running: 3 }),
    ]);
    const demoTasks = view.tasks.filter((t) => t.state === "running");
    expect(new Set(demoTasks.map((t) => t.nodeId)).size).toBe(3);
    await manager.getService("demo").remove();
  });

  it("a stopped node shows in `status`, `swarm` refuses with a clear error, and `up` brings it back", async () => {
    const manager = await nodeClient(docker, lab, "manager-1");
    const idOf = async (host: string) =>
      (await manager.listNodes()).filter((n) => n.Description?.Hostname === host).map((n) => n.ID);
    const [workerId] = await idOf("worker-1");
    await docker.getContainer(containerName(lab, "worker-1")).stop({ t: 5 });
    const status = await drydock(["lab", "status", "--lab", lab, "--json"], { home });
    expect(status.code).toBe(0);
    const parsed = parseStatus(status.stdout);
    expect(parsed.healthy).toBe(false);
    expect(parsed.nodes.find((n) => n.role === "worker-1")).toMatchObject({
      state: "exited",
      healthy: false,
    });

    const swarm = await drydock(["lab", "swarm", "--lab", lab], { home });
    expect(swarm.code).toBe(7);
    expect(swarm.stderr).toContain("worker-1's engine is not available: its container is exited");
    expect(swarm.stderr).toContain("drydock lab up");

    const up = await drydock(["lab", "up", "--lab", lab, "--json"], { home });
    expect(up.code).toBe(0);
    expect(parseStatus(up.stdout).healthy).toBe(true);
    // Straight after its engine restarted, worker-1 is still reconnecting ("pending"): `swarm` waits
    // for it instead of rejoining it under a new id beside its old entry (two nodes named worker-1).
    const again = await drydock(["lab", "swarm", "--lab", lab, "--json"], { home });
    expect(again.code, again.stderr).toBe(0);
    expect(await idOf("worker-1")).toEqual([workerId]);
    expect((await manager.listNodes()).length).toBe(3);
  });

  it("a node whose engine never answers is rebuilt by `up`, with its log tail shown", async () => {
    const before = await docker.getContainer(containerName(lab, "worker-2")).inspect();
    // Break the engine's config so dockerd refuses to start, then restart the node.
    const broke = await execIn(docker, lab, "worker-2", [
      "sh",
      "-c",
      "echo '{ not json' > /etc/docker/daemon.json",
    ]);
    expect(broke.code).toBe(0);
    await docker.getContainer(before.Id).stop({ t: 5 });
    const up = await drydock(["lab", "up", "--lab", lab, "--json"], { home });
    expect(up.code).toBe(0);
    expect(up.stderr).toContain("The Docker engine on worker-2 did not come up");
    expect(up.stderr).toContain("Rebuilding worker-2");
    expect(up.stderr).toMatch(/daemon\.json|invalid character|unable to configure/i);
    const after = await docker.getContainer(containerName(lab, "worker-2")).inspect();
    expect(after.Id).not.toBe(before.Id);
    expect(parseStatus(up.stdout).healthy).toBe(true);
  });

  it("`reset` killed half-way is finished by `up`: fresh engines, same workspace and registry", async () => {
    writeFileSync(join(workspace, "notes.txt"), "keep me\n");
    const registryBefore = await docker.getContainer(containerName(lab, "registry")).inspect();
    const laptopBefore = await docker.getContainer(containerName(lab, "laptop")).inspect();
    const pulled = await execIn(docker, lab, "laptop", ["docker", "pull", "-q", "debian:trixie-slim"]);
    expect(pulled.code).toBe(0);

    // Kill the agent (SIGKILL) right after the engines were removed, before new ones start.
    const printed = await drydockKilledAt(["lab", "reset", "--lab", lab], "✓ Removing the lab's engines", {
      home,
    });
    expect(printed).toContain("Removing the lab's engines");
    const up = await drydock(["lab", "up", "--lab", lab, "--json"], { home });
    expect(up.code).toBe(0);
    expect(up.stderr).toContain(`Found lab "${lab}"`);
    expect(parseStatus(up.stdout).healthy).toBe(true);

    const registryAfter = await docker.getContainer(containerName(lab, "registry")).inspect();
    expect(registryAfter.Id).toBe(registryBefore.Id);
    const laptopAfter = await docker.getContainer(containerName(lab, "laptop")).inspect();
    expect(laptopAfter.Id).not.toBe(laptopBefore.Id);
    const images = await execIn(docker, lab, "laptop", ["docker", "images", "-q"]);
    expect(images.output.trim()).toBe("");
    const notes = await execIn(docker, lab, "laptop", ["cat", "/workspace/notes.txt"]);
    expect(notes.output).toBe("keep me\n");
    const swarm = await execIn(docker, lab, "manager-1", [
      "docker",
      "info",
      "--format",
      "{{.Swarm.LocalNodeState}}",
    ]);
    expect(swarm.output.trim()).toBe("inactive");
  });

  it("`up` on a running lab reuses every container", async () => {
    const before = (await labelledResources(docker, lab)).containers.map((c) => c.Id).sort();
    const up = await drydock(["lab", "up", "--lab", lab], { home });
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`Lab "${lab}": healthy`);
    const after = (await labelledResources(docker, lab)).containers.map((c) => c.Id).sort();
    expect(after).toEqual(before);
  });

  it("`down` removes every labelled container, network and volume, and keeps the workspace", async () => {
    const down = await drydock(["lab", "down", "--lab", lab], { home });
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`The workspace ${workspace} is kept.`);
    const left = await labelledResources(docker, lab);
    expect(left).toEqual({ containers: [], networks: [], volumes: [] });
    expect(readFileSync(join(workspace, "notes.txt"), "utf8")).toBe("keep me\n");
    expect(existsSync(join(home, "labs", `${lab}.json`))).toBe(false);
    const status = await drydock(["lab", "status", "--lab", lab], { home });
    expect(status.code).toBe(3);
    expect(status.stderr).toContain(`There is no lab named "${lab}"`);
  });
});
