import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HOST_RESERVE, type HostFigures, LAB_FIGURES, planCapacity, readHostFigures } from "./capacity.ts";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Our 2-core, 24 GB CI machine, roughly: memory-bound. */
const host: HostFigures = {
  memAvailableBytes: 22 * GiB,
  diskAvailableBytes: 200 * GiB,
  pidLimit: 4_194_304,
  tasksNow: 600,
};

describe("planCapacity", () => {
  it("takes the lowest of memory, disk and pids, after the host's reserve", () => {
    const plan = planCapacity(host);
    // (22 GiB - 1 GiB) / 768 MiB = 28
    expect(plan.seats).toBe(28);
    expect(plan.limitedBy).toBe("memory");
    expect(plan.fits).toBe(true);
    expect(plan.resources.find((r) => r.resource === "disk")?.seats).toBe(99);
    expect(plan.message).toMatch(/^This host fits 28 labs; memory limits it \(22\.0 GiB free, 1\.0 GiB kept/);
    expect(plan.message).toMatch(/768 MiB per lab; disk would fit 99, processes would fit \d+\)\.$/);
  });

  it("uses figures the caller measured instead of the planning ones", () => {
    const plan = planCapacity(host, { perLab: { ...LAB_FIGURES, memoryBytes: 400 * MiB } });
    expect(plan.seats).toBe(53);
    expect(plan.limitedBy).toBe("memory");
  });

  it("names disk when the disk is what runs out", () => {
    const plan = planCapacity({ ...host, diskAvailableBytes: 12 * GiB });
    expect(plan).toMatchObject({ seats: 5, limitedBy: "disk" });
    expect(plan.message).toMatch(/disk limits it/);
  });

  it("counts tasks already running against the kernel's limit", () => {
    const plan = planCapacity({ ...host, pidLimit: 32_768, tasksNow: 20_000 });
    // (32768 - 20000 - 2048) / 1200 = 8
    expect(plan).toMatchObject({ seats: 8, limitedBy: "pids" });
    expect(plan.message).toMatch(/processes limits it \(12768 tasks free, 2048 tasks kept/);
  });

  it("says how many seats are missing when more were asked for", () => {
    const plan = planCapacity(host, { requested: 40 });
    expect(plan.fits).toBe(false);
    expect(plan.requested).toBe(40);
    expect(plan.message).toMatch(/40 seats were asked for: 12 more than fit\. Lower --seats, free memory/);
    expect(planCapacity(host, { requested: 28 }).fits).toBe(true);
  });

  it("never answers fewer than zero seats on a host that is already short", () => {
    const plan = planCapacity({ ...host, memAvailableBytes: HOST_RESERVE.memoryBytes / 2 }, { requested: 1 });
    expect(plan.seats).toBe(0);
    expect(plan.fits).toBe(false);
    expect(plan.message).toMatch(/^This host fits 0 labs; memory limits it \(512 MiB free/);
  });
});

describe("readHostFigures", () => {
  const fakeProc = (files: Record<string, string>) => {
    const root = mkdtempSync(join(tmpdir(), "drydock-proc-"));
    mkdirSync(join(root, "sys", "kernel"), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
    return root;
  };
  const good = {
    meminfo: "MemTotal:       24563200 kB\nMemFree:         1200000 kB\nMemAvailable:   20971520 kB\n",
    "sys/kernel/pid_max": "4194304\n",
    "sys/kernel/threads-max": "191805\n",
    loadavg: "0.42 0.30 0.25 3/812 123456\n",
  };

  it("reads MemAvailable, the lower task limit, the tasks now, and statfs of the given path", () => {
    const figures = readHostFigures({ procRoot: fakeProc(good), diskPath: tmpdir() });
    expect(figures.memAvailableBytes).toBe(20 * GiB);
    expect(figures.pidLimit).toBe(191_805);
    expect(figures.tasksNow).toBe(812);
    expect(figures.diskAvailableBytes).toBeGreaterThan(0);
  });

  it("reads this machine's /proc", () => {
    const figures = readHostFigures({ diskPath: tmpdir() });
    expect(figures.memAvailableBytes).toBeGreaterThan(0);
    expect(figures.pidLimit).toBeGreaterThan(figures.tasksNow);
  });

  it("says what it could not read", () => {
    expect(() =>
      readHostFigures({ procRoot: fakeProc({ ...good, meminfo: "MemTotal: 1 kB\n" }), diskPath: tmpdir() }),
    ).toThrow(/Could not read MemAvailable/);
    expect(() => readHostFigures({ procRoot: fakeProc(good), diskPath: "/nonexistent/docker" })).toThrow(
      /free space of \/nonexistent\/docker/,
    );
    expect(() =>
      readHostFigures({ procRoot: fakeProc({ ...good, "sys/kernel/pid_max": "many" }), diskPath: tmpdir() }),
    ).toThrow(/pid_max/);
  });
});
