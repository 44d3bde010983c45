import { hostname } from "node:os";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { CHECK_LABEL } from "../engine-reads.ts";
import { MAX_AGE_S, reapEngine, staleness } from "./reaper.ts";
import { OWNER_LABEL } from "./scratch-labels.ts";

const NOW = 1_800_000_000;
const alive = (pid: number) => pid === 4242;

describe("reaper staleness", () => {
  const table: Array<{
    name: string;
    labels: Record<string, string>;
    age: number;
    host?: string;
    stale: boolean;
  }> = [
    {
      name: "a killed checker's copy (owner pid gone)",
      labels: { [OWNER_LABEL]: "box/999" },
      age: 5,
      stale: true,
    },
    {
      name: "a live run's probe (owner running)",
      labels: { [OWNER_LABEL]: "box/4242" },
      age: 30,
      stale: false,
    },
    {
      name: "a live run's probe, but older than the max age",
      labels: { [OWNER_LABEL]: "box/4242" },
      age: MAX_AGE_S + 1,
      stale: true,
    },
    {
      name: "this process's own probe",
      labels: { [OWNER_LABEL]: `box/${process.pid}` },
      age: 1,
      stale: false,
    },
    { name: "owned on another host, young", labels: { [OWNER_LABEL]: "other/1" }, age: 60, stale: false },
    {
      name: "owned on another host, old",
      labels: { [OWNER_LABEL]: "other/1" },
      age: MAX_AGE_S + 5,
      stale: true,
    },
    { name: "no owner (withStoppedContainer), seconds old", labels: {}, age: 10, stale: false },
    { name: "no owner, minutes old", labels: {}, age: 120, stale: true },
  ];
  it.each(table)("$name → stale=$stale", ({ labels, age, stale }) => {
    expect(staleness({ [CHECK_LABEL]: "x", ...labels }, NOW - age, NOW, alive, "box").stale).toBe(stale);
  });
});

describe("reapEngine", () => {
  it("removes stale containers (force, with volumes), volumes and networks; keeps the rest", async () => {
    const removed: string[] = [];
    const docker = {
      listContainers: async () => [
        {
          Id: "a".repeat(64),
          Names: ["/case-api-restart-drydock-abc"],
          Created: NOW - 5,
          Labels: { [OWNER_LABEL]: `${hostname()}/1` },
        },
        {
          Id: "b".repeat(64),
          Names: ["/live"],
          Created: NOW - 5,
          Labels: { [OWNER_LABEL]: `x/${process.pid}` },
        },
      ],
      getContainer: (id: string) => ({
        remove: async (o: { force: boolean; v: boolean }) => {
          expect(o).toEqual({ force: true, v: true });
          removed.push(`c:${id[0]}`);
        },
      }),
      listVolumes: async () => ({
        Volumes: [
          {
            Name: "vol1",
            CreatedAt: new Date((NOW - 3600) * 1000).toISOString(),
            Labels: { [OWNER_LABEL]: "gone/1" },
          },
        ],
      }),
      getVolume: (n: string) => ({ remove: async () => removed.push(`v:${n}`) }),
      listNetworks: async () => [
        { Id: "n1", Name: "net1", Created: new Date((NOW - 10) * 1000).toISOString(), Labels: {} },
      ],
      getNetwork: () => ({ remove: async () => removed.push("n") }),
    } as unknown as Docker;
    const r = await reapEngine(docker, "laptop", { nowS: NOW, isAlive: () => false });
    expect(removed.sort()).toEqual(["c:a", "v:vol1"]);
    expect(r.containers).toEqual(["case-api-restart-drydock-abc"]);
    expect(r.kept).toBe(2);
    expect(r.errors).toEqual([]);
  });

  it("never throws: an engine that refuses is reported", async () => {
    const docker = {
      listContainers: async () => {
        throw new Error("connect ECONNREFUSED");
      },
      listVolumes: async () => ({ Volumes: [] }),
      listNetworks: async () => [],
    } as unknown as Docker;
    const r = await reapEngine(docker, "laptop");
    expect(r.errors[0]).toMatch(/ECONNREFUSED/);
  });
});
