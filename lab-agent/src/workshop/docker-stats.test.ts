import { describe, expect, it } from "vitest";
import { parseDockerStats, parseSize } from "./docker-stats.ts";

// Lines as Docker 20.10's and 28's CLI print them with --format '{{json .}}'.
const line = (name: string, mem: string, cpu = "0.12%", pids = "23") =>
  JSON.stringify({
    BlockIO: "0B / 0B",
    CPUPerc: cpu,
    Container: "3f2a",
    ID: "3f2a",
    MemPerc: "3.10%",
    MemUsage: mem,
    Name: name,
    NetIO: "1.2kB / 0B",
    PIDs: pids,
  });

describe("docker stats", () => {
  it("reads binary and decimal sizes", () => {
    expect(parseSize("63.5MiB")).toBe(63.5 * 1024 ** 2);
    expect(parseSize("1.5GiB")).toBe(1.5 * 1024 ** 3);
    expect(parseSize("812kB")).toBe(812_000);
    expect(parseSize("0B")).toBe(0);
    expect(parseSize("--")).toBeUndefined();
    expect(parseSize("12 parsecs")).toBeUndefined();
  });

  it("takes the usage half of MemUsage, CPU as cores and PIDs, skipping lines it cannot read", () => {
    const out = [
      line("drydock-w1-laptop", "70.25MiB / 2GiB", "1.50%", "41"),
      "WARNING: something the CLI said",
      line("drydock-w1-registry", "9.8MiB / 256MiB", "0.00%", "7"),
      line("drydock-w1-worker-1", "-- / --", "--", "--"),
      "{not json",
      "",
    ].join("\n");
    const stats = parseDockerStats(out);
    expect(stats).toEqual([
      { name: "drydock-w1-laptop", memoryMiB: 70.25, cpus: 0.015, pids: 41 },
      { name: "drydock-w1-registry", memoryMiB: 9.8, cpus: 0, pids: 7 },
    ]);
  });
});
