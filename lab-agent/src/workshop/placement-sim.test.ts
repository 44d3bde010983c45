import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DrydockError } from "../common/errors.ts";
import { DEFAULT_FIGURES, type HostSpec, LabFigures, readFigures } from "./lab-figures.ts";
import {
  hostSeats,
  percentile,
  reservationOf,
  type SimOptions,
  seatsByResource,
  simulate,
  summarize,
} from "./placement-sim.ts";

// Round figures so every expected number below can be worked out by hand.
const figures: LabFigures = {
  idle: { source: "estimate", footprint: { memoryMiB: 100, cpus: 0.1, pids: 100, diskMiB: 100 } },
  active: { source: "estimate", footprint: { memoryMiB: 400, cpus: 0.5, pids: 300, diskMiB: 200 } },
  timings: { source: "estimate", joinColdSeconds: 10, joinWarmSeconds: 1 },
};
const host = (name: string, over: Partial<HostSpec> = {}): HostSpec => ({
  name,
  memoryMiB: 1000,
  cpus: 10,
  pids: 10_000,
  diskMiB: 10_000,
  ...over,
});
const none = { memoryMiB: 0, cpus: 0, pids: 0, diskMiB: 0 };
/** No host reserve, no background activity, no minutes: only what a test asks for happens. */
const base = (over: Partial<SimOptions> = {}): SimOptions => ({
  learners: 1,
  hostReserve: none,
  background: { share: 0, meanActiveMinutes: 10 },
  minutes: 0,
  ...over,
});

describe("seats a host can take", () => {
  it("reserves idle figures at share 0, active ones at 1, and names the resource that runs out", () => {
    expect(reservationOf(figures, 0)).toEqual(figures.idle.footprint);
    expect(reservationOf(figures, 1)).toEqual(figures.active.footprint);
    expect(hostSeats(host("h"), reservationOf(figures, 0), none, 1)).toEqual({
      seats: 10,
      limitedBy: "memoryMiB",
    });
    expect(hostSeats(host("h"), reservationOf(figures, 1), none, 1)).toEqual({
      seats: 2,
      limitedBy: "memoryMiB",
    });
    expect(hostSeats(host("h", { pids: 450 }), reservationOf(figures, 0), none, 1)).toEqual({
      seats: 4,
      limitedBy: "pids",
    });
  });

  it("takes the host's own reserve off first, and counts CPU with its overcommit", () => {
    const reserve = { memoryMiB: 300, cpus: 0, pids: 0, diskMiB: 0 };
    expect(hostSeats(host("h"), reservationOf(figures, 0), reserve, 1).seats).toBe(7);
    const cpuBound = host("h", { cpus: 0.5, memoryMiB: 100_000 });
    expect(hostSeats(cpuBound, reservationOf(figures, 0), none, 1)).toEqual({ seats: 5, limitedBy: "cpus" });
    expect(hostSeats(cpuBound, reservationOf(figures, 0), none, 4).seats).toBe(20);
  });

  it("says what each resource alone would seat, a resource nothing uses without end", () => {
    const reserve = { memoryMiB: 200, cpus: 2, pids: 1000, diskMiB: 0 };
    expect(seatsByResource(host("h"), reservationOf(figures, 0), reserve, 2)).toEqual({
      memoryMiB: 8, // (1000 - 200) / 100
      cpus: 160, // (10 - 2) x 2 / 0.1
      pids: 90, // (10000 - 1000) / 100
      diskMiB: 100,
    });
    const free = { ...figures.idle.footprint, cpus: 0 };
    expect(seatsByResource(host("h"), free, none, 1).cpus).toBe(Number.POSITIVE_INFINITY);
    expect(seatsByResource(host("h", { pids: 500 }), free, reserve, 1).pids).toBe(0);
  });
});

describe("placing learners", () => {
  it("never places more labs than fit, and turns the rest away as full", () => {
    const r = simulate([host("a"), host("b")], figures, base({ learners: 25 }));
    expect(r.seatsPlaced).toBe(20);
    expect(r.turnedAway).toBe(5);
    for (const h of r.hosts) {
      expect(h.labs).toBe(10);
      expect(h.peakLabs).toBeLessThanOrEqual(h.seats);
      expect(h.peakMemoryMiB).toBeLessThanOrEqual(1000);
    }
  });

  it("first-fit fills one host before the next; spread evens them out", () => {
    const ff = simulate([host("a"), host("b")], figures, base({ learners: 6, strategy: "first-fit" }));
    const sp = simulate([host("a"), host("b")], figures, base({ learners: 6, strategy: "spread" }));
    expect(ff.hosts.map((h) => h.labs)).toEqual([6, 0]);
    expect(sp.hosts.map((h) => h.labs)).toEqual([3, 3]);
  });

  it("spreads by how full each host is, not by lab count, when hosts differ", () => {
    const r = simulate(
      [host("small"), host("big", { memoryMiB: 3000 })],
      figures,
      base({ learners: 8, strategy: "spread" }),
    );
    expect(r.hosts.map((h) => h.labs)).toEqual([2, 6]);
  });

  it("queues cold starts per host; warm labs answer at once and are taken first", () => {
    const cold = simulate([host("a")], figures, base({ learners: 5 }));
    expect(cold.joinSeconds).toEqual({ p50: 20, p95: 30, max: 30 }); // 10, 10, 20, 20, 30 with 2 at a time
    const warm = simulate([host("a")], figures, base({ learners: 5, warm: 2 }));
    expect(warm.joinedWarm).toBe(2);
    expect(warm.joinSeconds.max).toBe(20); // 1, 1, then 10, 10, 20
    // The pool is topped up afterwards with what room is left: 5 learners + 2 warm labs.
    expect(warm.hosts[0]).toMatchObject({ labs: 5, warm: 2 });
  });

  it("does not let warm labs take seats from learners", () => {
    const r = simulate([host("a")], figures, base({ learners: 10, warm: 3 }));
    expect(r.seatsPlaced).toBe(10);
    expect(r.turnedAway).toBe(0);
    expect(r.hosts[0]).toMatchObject({ labs: 10, warm: 0 });
  });
});

describe("failures", () => {
  it("re-places a dead host's labs where there is room and reports the rest as stranded", () => {
    const r = simulate(
      [host("a"), host("b")],
      figures,
      base({ learners: 12, minutes: 10, failures: [{ kind: "host-dies", host: "a", atMinute: 5 }] }),
    );
    expect(r.lost).toHaveLength(10);
    expect(r.lost.every((l) => l.host === "a" && l.cause === "host-died" && l.minute === 5)).toBe(true);
    expect(r.replaced).toHaveLength(8);
    expect(r.replaced.every((x) => x.to === "b" && x.from === "a" && !x.warm)).toBe(true);
    expect(r.stranded).toHaveLength(2);
    expect(r.hosts).toMatchObject([
      { name: "a", alive: false, labs: 0 },
      { name: "b", alive: true, labs: 10 },
    ]);
    // 15 s to notice, then four waves of two 10 s starts.
    expect(r.recoverySeconds).toEqual({ p50: 35, max: 55 });
  });

  it("gives a learner who lost their lab a warm lab on another host first", () => {
    const r = simulate(
      [host("a"), host("b")],
      figures,
      base({ learners: 1, warm: 1, minutes: 3, failures: [{ kind: "host-dies", host: "b", atMinute: 1 }] }),
    );
    // first-fit: the warm lab went to a and was taken by the learner; the pool refilled on a.
    expect(r.lost).toEqual([]);
    const s = simulate(
      [host("a"), host("b")],
      figures,
      base({
        learners: 1,
        warm: 1,
        strategy: "spread",
        minutes: 3,
        failures: [{ kind: "host-dies", host: "a", atMinute: 1 }],
      }),
    );
    // spread: warm lab on a, learner took it; the refill went to b; a dies, the learner takes b's.
    expect(s.lost).toEqual([{ learner: "learner-001", host: "a", minute: 1, cause: "host-died" }]);
    expect(s.replaced).toEqual([
      { learner: "learner-001", from: "a", to: "b", minute: 1, recoverySeconds: 16, warm: true },
    ]);
  });

  it("with labs admitted on idle figures, a surge fills the host; it sheds labs until it fits", () => {
    const r = simulate(
      [host("a"), host("b")],
      figures,
      base({ learners: 10, minutes: 5, failures: [{ kind: "surge", atMinute: 2, share: 1, minutes: 10 }] }),
    );
    // Ten labs on a, all active: 4000 MiB on a 1000 MiB host. Only two active labs fit.
    expect(r.lost.length).toBeGreaterThan(0);
    expect(r.lost.every((l) => l.cause === "memory")).toBe(true);
    const a = r.hosts[0];
    expect(a?.fullMinutes).toBeGreaterThan(0);
    for (const h of r.hosts) expect(h.peakMemoryMiB).toBeLessThanOrEqual(1000);
    // Nobody is counted twice: every learner has a lab or is stranded.
    const placed = r.hosts.reduce((n, h) => n + h.labs, 0);
    expect(placed + r.stranded.length).toBe(10);
  });

  it("with a full active budget per lab, the same surge never fills a host", () => {
    const r = simulate(
      [host("a"), host("b")],
      figures,
      base({
        learners: 10,
        activeShare: 1,
        minutes: 5,
        failures: [{ kind: "surge", atMinute: 2, share: 1, minutes: 10 }],
      }),
    );
    expect(r.seatsPlaced).toBe(4);
    expect(r.turnedAway).toBe(6);
    expect(r.lost).toEqual([]);
    expect(r.hosts.every((h) => h.fullMinutes === 0 && h.peakMemoryMiB <= 1000)).toBe(true);
  });

  it("keeps a lab's active disk after it goes idle, so a short surge can fill a disk for good", () => {
    const big = host("a", { memoryMiB: 100_000, diskMiB: 1000 });
    const r = simulate(
      [big],
      figures,
      base({ learners: 10, minutes: 6, failures: [{ kind: "surge", atMinute: 1, share: 1, minutes: 1 }] }),
    );
    // Ten labs at 200 MiB of disk on a 1000 MiB disk: five stay, and their disk stays after the
    // surge, so the five who lost theirs find no room though the seats are free by reservation.
    expect(r.lost).toHaveLength(5);
    expect(r.lost.every((l) => l.cause === "disk" && l.minute === 1)).toBe(true);
    expect(r.replaced).toEqual([]);
    expect(r.stranded).toHaveLength(5);
    expect(r.hosts[0]).toMatchObject({ seats: 10, labs: 5, peakDiskMiB: 1000, fullMinutes: 1 });
  });

  it("refuses a failure on a host that does not exist", () => {
    expect(() =>
      simulate([host("a")], figures, base({ failures: [{ kind: "host-dies", host: "zz", atMinute: 1 }] })),
    ).toThrow(DrydockError);
  });
});

describe("determinism", () => {
  const run = (seed: number) =>
    simulate(
      [host("a", { memoryMiB: 3000 }), host("b", { memoryMiB: 3000 })],
      figures,
      base({
        seed,
        learners: 50,
        minutes: 60,
        background: { share: 0.4, meanActiveMinutes: 5 },
        failures: [{ kind: "host-dies", host: "b", atMinute: 30 }],
      }),
    );

  it("never leaves a host over its memory, disk or pids, whatever the seed, strategy or reservation", () => {
    let losses = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      for (const strategy of ["first-fit", "spread"] as const) {
        for (const activeShare of [0, 0.5]) {
          const r = simulate(
            [host("a", { memoryMiB: 3000, diskMiB: 3000 }), host("b", { memoryMiB: 2000, pids: 2500 })],
            figures,
            base({
              seed,
              strategy,
              activeShare,
              learners: 40,
              warm: 2,
              minutes: 90,
              background: { share: 0.5, meanActiveMinutes: 4 },
              failures: [{ kind: "surge", atMinute: 20, share: 0.8, minutes: 5 }],
            }),
          );
          for (const h of r.hosts) {
            const spec =
              h.name === "a"
                ? { memoryMiB: 3000, diskMiB: 3000, pids: 10_000 }
                : { memoryMiB: 2000, diskMiB: 10_000, pids: 2500 };
            expect(h.peakMemoryMiB).toBeLessThanOrEqual(spec.memoryMiB);
            expect(h.peakDiskMiB).toBeLessThanOrEqual(spec.diskMiB);
            expect(h.peakPids).toBeLessThanOrEqual(spec.pids);
            expect(h.peakLabs).toBeLessThanOrEqual(h.seats);
          }
          expect(r.hosts.reduce((n, h) => n + h.labs, 0) + r.stranded.length).toBe(r.seatsPlaced);
          losses += r.lost.length;
        }
      }
    }
    expect(losses).toBeGreaterThan(0); // the limits were pushed, not merely never reached
  });

  it("gives the same report for the same seed, and another for another seed", () => {
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(first.lost.some((l) => l.cause === "memory")).toBe(true);
    expect([1, 2, 3].map(run).some((r) => JSON.stringify(r.lost) !== JSON.stringify(first.lost))).toBe(true);
  });
});

describe("figures file", () => {
  it("accepts the documented estimates and says which field of a bad file is wrong", () => {
    expect(LabFigures.parse(DEFAULT_FIGURES)).toEqual(DEFAULT_FIGURES);
    const dir = mkdtempSync(join(tmpdir(), "drydock-figures-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ ...DEFAULT_FIGURES, idle: { source: "guess", footprint: {} } }));
    try {
      readFigures(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DrydockError);
      expect((err as DrydockError).details).toMatch(/idle\.source/);
    }
    expect(() => readFigures(join(dir, "missing.json"))).toThrow(/Cannot read the figures file/);
    const zero = {
      ...DEFAULT_FIGURES,
      idle: { source: "measured", footprint: { ...DEFAULT_FIGURES.idle.footprint, memoryMiB: 0 } },
    };
    expect(LabFigures.safeParse(zero).success).toBe(false);
  });
});

describe("percentiles of timings", () => {
  it("takes the nearest rank: p50 and p95 of 1..20 are 10 and 19", () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i); // unsorted on purpose
    expect(percentile(values, 50)).toBe(10);
    expect(percentile(values, 95)).toBe(19);
    expect(percentile(values, 100)).toBe(20);
    expect(percentile(values, 0)).toBe(1);
    expect(summarize(values)).toEqual({ count: 20, p50: 10, p95: 19, max: 20 });
  });

  it("gives the one value for one sample, and zeros for none", () => {
    expect(summarize([1234])).toEqual({ count: 1, p50: 1234, p95: 1234, max: 1234 });
    expect(summarize([])).toEqual({ count: 0, p50: 0, p95: 0, max: 0 });
  });
});
