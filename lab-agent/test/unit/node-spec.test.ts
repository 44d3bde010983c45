import { describe, expect, it } from "vitest";
import { engineNodeSpec, registrySpec } from "../../src/lab/node-spec.ts";

const input = {
  lab: "demo",
  image: "drydock/lab-node:latest",
  imageHash: "abc",
  memoryBytes: 2 * 1024 ** 3,
  pidsLimit: 4096,
  workspace: "/home/me/ws",
} as const;

describe("engineNodeSpec", () => {
  it("asks for --privileged when the host allows it", () => {
    const spec = engineNodeSpec({ ...input, role: "manager-1", mode: "privileged" });
    expect(spec.HostConfig?.Privileged).toBe(true);
    expect(spec.HostConfig?.CapAdd).toBeUndefined();
  });

  it("uses the explicit option set where --privileged is refused", () => {
    const spec = engineNodeSpec({ ...input, role: "worker-1", mode: "explicit-caps" });
    expect(spec.HostConfig?.Privileged).toBeUndefined();
    expect(spec.HostConfig).toMatchObject({
      CapAdd: ["ALL"],
      CapDrop: ["SYS_RESOURCE"],
      SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
      MaskedPaths: [],
      ReadonlyPaths: [],
    });
    expect(spec.HostConfig?.Binds).toEqual([
      "/sys/fs/cgroup:/sys/fs/cgroup:rw",
      "/home/me/ws/.node-history/worker-1:/root/.drydock-history",
    ]);
  });

  it("mounts the workspace on laptop, only a node's history folder elsewhere, never the host Docker socket", () => {
    const laptop = engineNodeSpec({ ...input, role: "laptop", mode: "explicit-caps" });
    const worker = engineNodeSpec({ ...input, role: "worker-2", mode: "privileged" });
    expect(laptop.HostConfig?.Binds).toContain("/home/me/ws:/workspace");
    expect(laptop.HostConfig?.Binds?.some((b) => b.includes(".node-history"))).toBe(false);
    expect(laptop.WorkingDir).toBe("/workspace");
    expect(worker.HostConfig?.Binds).toEqual(["/home/me/ws/.node-history/worker-2:/root/.drydock-history"]);
    for (const spec of [laptop, worker]) {
      expect(JSON.stringify(spec)).not.toContain("docker.sock");
    }
  });

  it("caps memory and pids, publishes the engine only on loopback, labels everything", () => {
    const spec = engineNodeSpec({ ...input, role: "worker-2", mode: "privileged" });
    expect(spec.HostConfig).toMatchObject({
      Memory: 2 * 1024 ** 3,
      MemorySwap: 2 * 1024 ** 3,
      PidsLimit: 4096,
    });
    expect(spec.HostConfig?.PortBindings).toEqual({ "2376/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] });
    expect(spec.Labels).toEqual({
      "io.drydock.managed": "true",
      "io.drydock.lab": "demo",
      "io.drydock.role": "worker-2",
      "io.drydock.image-hash": "abc",
    });
    expect(spec.HostConfig?.Mounts?.map((m) => [m.Source, m.Target])).toEqual([
      ["drydock-demo-certs", "/certs"],
      ["drydock-demo-worker-2-docker", "/var/lib/docker"],
    ]);
  });
});

describe("registrySpec", () => {
  it("runs unprivileged on the lab network with the alias registry", () => {
    const spec = registrySpec({ lab: "demo", image: "r", imageHash: "h", hostPort: 0 });
    expect(spec.HostConfig?.CapDrop).toEqual(["ALL"]);
    expect(spec.NetworkingConfig?.EndpointsConfig?.["drydock-demo"]?.Aliases).toEqual(["registry"]);
    expect(spec.HostConfig?.PortBindings?.["5000/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: "" }]);
  });
});
