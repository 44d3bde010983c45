import { describe, expect, it } from "vitest";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";
import { clone, recordedCluster, service } from "./fixtures/load.ts";
import { evaluateResources, showBytes } from "./resources.ts";

const params = { stack: "reg-case", services: ["case-api", "worker"] };
const solved = recordedCluster();
const M = 1024 * 1024;
const cpu = (n: number) => Math.round(n * 1e9);

type Res = { Limits?: Record<string, number>; Reservations?: Record<string, number> };
/** Resources as `docker stack deploy` converts deploy.resources (cpus → NanoCPUs, memory → bytes). */
const set = (name: string, r: Res) => (c: ClusterFacts) => {
  const tt = service(c, name).Spec.TaskTemplate ?? {};
  service(c, name).Spec.TaskTemplate = tt;
  tt.Resources = r;
};

type Variant = [name: string, edit: (c: ClusterFacts) => void, status: "pass" | "fail", summary: RegExp];
const variants: Variant[] = [
  [
    'the reference: reserve cpus "0.10"/64M, limit "0.50"/256M',
    () => {},
    "pass",
    /case-api, worker reserve and limit CPU and memory/,
  ],
  [
    "the seed's sizes: reserve 0.25/256M, limit 1.00/768M",
    set("reg-case_case-api", {
      Limits: { NanoCPUs: cpu(1), MemoryBytes: 768 * M },
      Reservations: { NanoCPUs: cpu(0.25), MemoryBytes: 256 * M },
    }),
    "pass",
    /reserve and limit/,
  ],
  [
    "reservation equal to the limit (guaranteed, like a Kubernetes Guaranteed pod)",
    set("reg-case_worker", {
      Limits: { NanoCPUs: cpu(0.5), MemoryBytes: 512 * M },
      Reservations: { NanoCPUs: cpu(0.5), MemoryBytes: 512 * M },
    }),
    "pass",
    /reserve and limit/,
  ],
  [
    "docker service update --limit-cpu 1 --limit-memory 1g --limit-pids 200 by hand",
    set("reg-case_case-api", {
      Limits: { NanoCPUs: cpu(1), MemoryBytes: 1024 * M, Pids: 200 },
      Reservations: { NanoCPUs: cpu(0.1), MemoryBytes: 64 * M },
    }),
    "pass",
    /reserve and limit/,
  ],
  [
    "no deploy.resources at all",
    set("reg-case_case-api", {}),
    "fail",
    /case-api reserves and limits nothing/,
  ],
  [
    "limits only (the docker-compose habit of mem_limit)",
    set("reg-case_case-api", { Limits: { NanoCPUs: cpu(0.5), MemoryBytes: 256 * M }, Reservations: {} }),
    "fail",
    /case-api lacks a CPU reservation, a memory reservation/,
  ],
  [
    "reservations only: the task may use the whole node",
    set("reg-case_worker", { Limits: {}, Reservations: { NanoCPUs: cpu(0.1), MemoryBytes: 64 * M } }),
    "fail",
    /worker lacks a CPU limit, a memory limit/,
  ],
  [
    "memory: 512 without a unit is 512 bytes",
    set("reg-case_case-api", {
      Limits: { NanoCPUs: cpu(0.5), MemoryBytes: 512 },
      Reservations: { NanoCPUs: cpu(0.1), MemoryBytes: 256 },
    }),
    "fail",
    /memory limit is 512 B: a number without a unit is bytes .* Docker refuses a limit below 6 MiB/,
  ],
  [
    "reserves more than its limit",
    set("reg-case_case-api", {
      Limits: { NanoCPUs: cpu(0.5), MemoryBytes: 256 * M },
      Reservations: { NanoCPUs: cpu(1), MemoryBytes: 512 * M },
    }),
    "fail",
    /case-api reserves more than its limit/,
  ],
  [
    "reserves 64 GB, more than any node has: pending forever",
    set("reg-case_case-api", {
      Limits: { NanoCPUs: cpu(0.5), MemoryBytes: 128 * 1024 * M },
      Reservations: { NanoCPUs: cpu(0.1), MemoryBytes: 64 * 1024 * M },
    }),
    "fail",
    /case-api reserves 0\.1 CPU\/64 GiB, more than any node it may use has/,
  ],
  [
    'cpus: "4" on 2-CPU nodes: Docker refuses to start the task',
    set("reg-case_worker", {
      Limits: { NanoCPUs: cpu(4), MemoryBytes: 256 * M },
      Reservations: { NanoCPUs: cpu(0.1), MemoryBytes: 64 * M },
    }),
    "fail",
    /worker's CPU limit 4 CPU is above the 2 CPU its nodes have/,
  ],
];

describe("swarm.resources on recorded services and nodes", () => {
  it.each(variants)("%s", (_name, edit, status, summary) => {
    const c = clone(solved);
    edit(c);
    const r = evaluateResources(c, params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("shows bytes in the units people write", () => {
    expect(showBytes(256 * M)).toBe("256 MiB");
    expect(showBytes(512)).toBe("512 B");
    expect(showBytes(64 * 1024 * M)).toBe("64 GiB");
    expect(showBytes(undefined)).toBe("none");
    expect(showBytes(25275990016)).toBe("23.5 GiB");
  });
});
