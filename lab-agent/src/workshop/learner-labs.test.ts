import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { JoinRequest, type LabRecord } from "./event-schema.ts";
import {
  DEFAULT_LAB_CAPS,
  dueForReaping,
  type LabStarter,
  type LabStartRequest,
  LearnerLabs,
  learnerLabHome,
  learnerLabView,
} from "./learner-labs.ts";
import { type NewEventOptions, newEvent, Roster } from "./roster.ts";

const T0 = Date.parse("2026-12-02T09:00:00Z");
const MIN = 60_000;

type Outcome = "ok" | Error | { until: Promise<void> };

/** A LabStarter in memory: each lab's starts follow its script of outcomes (default: they work). */
function fakeStarter() {
  const script = new Map<string, Outcome[]>();
  const ups: LabStartRequest[] = [];
  const downs: string[] = [];
  const up = new Set<string>();
  const waiters = new Map<string, () => void>();
  const starter: LabStarter = {
    async up(req) {
      ups.push(req);
      waiters.get(req.lab)?.();
      req.log(`Starting ${req.lab}…`);
      const outcome = script.get(req.lab)?.shift() ?? "ok";
      if (outcome instanceof Error) throw outcome;
      if (outcome !== "ok") await outcome.until;
      up.add(req.lab);
    },
    async down(lab) {
      downs.push(lab);
      up.delete(lab);
    },
    async subnetsInUse() {
      return ["10.213.0.0/24"]; // someone else's network: the pool skips it
    },
  };
  /** Resolves once a start of `lab` is under way. */
  const upCalled = (lab: string) =>
    ups.some((u) => u.lab === lab) ? Promise.resolve() : new Promise<void>((r) => waiters.set(lab, r));
  return { starter, script, ups, downs, up, upCalled };
}

function deferred() {
  let resolve!: () => void;
  const until = new Promise<void>((r) => {
    resolve = r;
  });
  return { until, resolve };
}

async function setup(event: Partial<NewEventOptions> = {}) {
  const home = mkdtempSync(join(tmpdir(), "drydock-learner-labs-"));
  const clock = { t: T0 };
  const now = () => clock.t;
  const roster = new Roster(home, { now });
  await roster.start(newEvent({ seats: 3, code: "ROOM-42", ...event }, T0));
  const fake = fakeStarter();
  const labs = new LearnerLabs({ roster, home, starter: fake.starter, now });
  const join_ = async (name: string) => {
    const warm = labs.claimWarm();
    const { entry } = await roster.join(
      JoinRequest.parse({ code: "ROOM-42", name }),
      warm ? { id: warm } : {},
    );
    return { entry, work: (await labs.joined(entry)).started, warm };
  };
  const record = (lab: string): LabRecord | undefined => roster.current()?.labs?.find((l) => l.lab === lab);
  return { home, clock, roster, labs, fake, join_, record };
}

describe("a learner's lab", () => {
  it("is provisioning at once, then ready: its own id, subnet, caps and workspace under the event", async () => {
    const { home, roster, labs, fake, join_, record } = await setup();
    const ana = await join_("Ana");
    // join does not wait for the lab: it is already recorded as starting
    expect(record(ana.entry.lab)).toMatchObject({ state: "provisioning", learner: ana.entry.id });
    const budi = await join_("Budi");
    await Promise.all([ana.work, budi.work]);
    await labs.settled();

    expect(record(ana.entry.lab)).toMatchObject({ state: "ready", attempts: 1, subnet: "10.213.1.0/24" });
    expect(record(budi.entry.lab)).toMatchObject({ state: "ready", subnet: "10.213.2.0/24" });
    expect(ana.entry.lab).toBe(`ws-${ana.entry.id}`);
    const eventId = roster.require().event.id;
    const req = fake.ups.find((u) => u.lab === ana.entry.lab);
    expect(req).toMatchObject({
      subnet: "10.213.1.0/24",
      caps: DEFAULT_LAB_CAPS,
      home,
      workspace: join(learnerLabHome(home, eventId, ana.entry.lab), "workspace"),
    });
    // the roster entry shows the lab's subnet too
    expect(roster.require().roster.find((r) => r.id === ana.entry.id)?.subnet).toBe("10.213.1.0/24");
    expect(learnerLabView(record(ana.entry.lab), roster.require().event)).toMatchObject({
      state: "ready",
      message: "Your lab is ready.",
    });
  });

  it("starts with the event's caps when the lead set them", async () => {
    const caps = { memoryBytes: 512 * 1024 ** 2, nanoCpus: 5e8, pidsLimit: 600 };
    const { fake, join_, labs } = await setup({ labCaps: caps });
    await (await join_("Ana")).work;
    await labs.settled();
    expect(fake.ups[0]?.caps).toEqual(caps);
  });

  it("is retried once, from clean, when its first start fails", async () => {
    const { roster, labs, fake, record } = await setup();
    const { entry } = await roster.join(JoinRequest.parse({ code: "ROOM-42", name: "Citra" }));
    fake.script.set(entry.lab, [new DrydockError(ErrorCode.nodeEngine, "laptop's engine did not answer.")]);
    await (await labs.joined(entry)).started;
    await labs.settled();
    expect(fake.ups.map((u) => u.lab)).toEqual([entry.lab, entry.lab]);
    expect(fake.downs).toEqual([entry.lab]); // the half-started lab went before the second try
    expect(record(entry.lab)).toMatchObject({ state: "ready", attempts: 2 });
    expect(record(entry.lab)?.error).toBeUndefined();
  });

  it("is reported failed, with the error and its log tail, when the second start fails too", async () => {
    const { roster, labs, fake, record } = await setup();
    const { entry } = await roster.join(JoinRequest.parse({ code: "ROOM-42", name: "Ana" }));
    const engineDown = new DrydockError(
      ErrorCode.nodeEngine,
      "worker-2's engine did not answer within 60 s.",
      {
        details: "Last lines of worker-2's log:\nfailed to start daemon: no space left on device",
      },
    );
    fake.script.set(entry.lab, [engineDown, engineDown]);
    await (await labs.joined(entry)).started;
    await labs.settled();
    const r = record(entry.lab);
    expect(r).toMatchObject({
      state: "failed",
      attempts: 2,
      error: "worker-2's engine did not answer within 60 s.",
    });
    expect(r?.logTail).toMatch(/Starting ws-[a-f0-9]{12}…\nstart 2 failed: worker-2's engine did not answer/);
    expect(r?.logTail).toMatch(/no space left on device/);
    const view = learnerLabView(r, roster.require().event);
    expect(view).toMatchObject({
      state: "failed",
      message: "Your lab could not be started (it was tried twice). The workshop lead sees why.",
    });
    // The learner's join page shows their own lab's start log under the error.
    expect(view).toMatchObject({ logTail: expect.stringMatching(/no space left on device/) });

    // The learner (or the lead) asks again: a fresh start, and this time it works.
    await labs.restart(roster.require().roster[0] ?? entry);
    await labs.settled();
    expect(record(entry.lab)).toMatchObject({ state: "ready", attempts: 1 });
    expect(record(entry.lab)?.logTail).toBeUndefined();
  });

  it("is failed at once, without a retry, when the address pool has no subnet left", async () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-learner-labs-"));
    const roster = new Roster(home, { now: () => T0, pool: { base: "10.213.0.0/23", subnetPrefix: 24 } });
    await roster.start(newEvent({ seats: 3, code: "ROOM-42" }, T0));
    const fake = fakeStarter(); // 10.213.0.0/24 is taken by another network: one subnet is left
    const labs = new LearnerLabs({ roster, home, starter: fake.starter, now: () => T0 });
    for (const name of ["Ana", "Budi"]) {
      const { entry } = await roster.join(JoinRequest.parse({ code: "ROOM-42", name }));
      await (await labs.joined(entry)).started;
      await labs.settled();
    }
    const [a, b] = roster.require().labs ?? [];
    expect(a).toMatchObject({ state: "ready", subnet: "10.213.1.0/24" });
    expect(b).toMatchObject({ state: "failed", attempts: 0 });
    expect(b?.error).toMatch(/No free lab network is left in 10.213.0.0\/23/);
    expect(fake.ups).toHaveLength(1);
  });
});

describe("the warm pool", () => {
  it("pre-starts K labs, hands them to the next joiners, and tops up while seats are left", async () => {
    const { roster, labs, fake, join_, record } = await setup({ seats: 3, warm: 2 });
    await labs.tick();
    await labs.settled();
    const warm = roster.require().labs ?? [];
    expect(warm).toHaveLength(2);
    expect(warm.every((l) => l.state === "ready" && l.learner === undefined)).toBe(true);
    expect(fake.ups).toHaveLength(2);

    const ana = await join_("Ana");
    expect(ana.warm).toBeDefined();
    expect(warm.map((l) => l.lab)).toContain(ana.entry.lab); // her lab is a warm one, already up
    await ana.work;
    expect(record(ana.entry.lab)).toMatchObject({ state: "ready", learner: ana.entry.id });
    await labs.settled();
    // 3 seats: Ana, one warm lab left, and one started to replace hers
    expect(fake.ups).toHaveLength(3);
    const budi = await join_("Budi");
    const citra = await join_("Citra");
    await Promise.all([budi.work, citra.work]);
    await labs.tick();
    await labs.settled();
    expect(budi.warm && citra.warm).toBeTruthy();
    expect(fake.ups).toHaveLength(3); // every seat taken: no more warm labs
    expect((roster.require().labs ?? []).map((l) => l.learner).sort()).toEqual(
      [ana.entry.id, budi.entry.id, citra.entry.id].sort(),
    );
  });

  it("gives a claimed warm lab back when the join fails", async () => {
    const { roster, labs } = await setup({ seats: 2, warm: 1 });
    await labs.tick();
    await labs.settled();
    const id = labs.claimWarm();
    expect(id).toBeDefined();
    expect(labs.claimWarm()).toBeUndefined(); // promised to that join already
    await expect(roster.join(JoinRequest.parse({ code: "WRONG-1", name: "Ana" }), { id })).rejects.toThrow(
      /event code is not right/,
    );
    labs.unclaim(id as string);
    expect(labs.claimWarm()).toBe(id);
  });
});

describe("reaping", () => {
  it("removes a learner's lab once they left for the grace period, not before", async () => {
    const { clock, roster, labs, fake, join_, record } = await setup({
      reapGraceMinutes: 15,
      idleAfterMinutes: 5,
    });
    const ana = await join_("Ana");
    const budi = await join_("Budi");
    await Promise.all([ana.work, budi.work]);
    clock.t = T0 + 10 * MIN;
    await roster.touch(budi.entry.id, "activity"); // Budi is working at 09:10
    await roster.flush();

    clock.t = T0 + 15 * MIN - 1;
    await labs.tick();
    await labs.settled();
    expect(fake.downs).toEqual([]);

    clock.t = T0 + 15 * MIN; // Ana never did anything since joining at 09:00
    await labs.tick();
    await labs.settled();
    expect(fake.downs).toEqual([ana.entry.lab]);
    expect(record(ana.entry.lab)).toMatchObject({ state: "removed", removedBecause: "reaped" });
    expect(record(budi.entry.lab)?.state).toBe("ready");
    expect(learnerLabView(record(ana.entry.lab), roster.require().event).message).toBe(
      "Your lab was removed after 15 minutes without activity; your workspace files are kept.",
    );

    clock.t = T0 + 25 * MIN; // 15 minutes after Budi's last activity
    await labs.tick();
    await labs.settled();
    expect(fake.downs).toEqual([ana.entry.lab, budi.entry.lab]);

    // Ana comes back: her lab starts again, on a subnet from the pool (hers was given back).
    await labs.restart(roster.require().roster[0] ?? ana.entry);
    await labs.settled();
    expect(record(ana.entry.lab)).toMatchObject({ state: "ready", attempts: 1 });
  });

  it("waits for the roster's idle state when the grace period is shorter than it", () => {
    const event = newEvent({ seats: 2, code: "ROOM-42", reapGraceMinutes: 1, idleAfterMinutes: 5 }, T0);
    const entry = {
      id: "0123456789ab",
      name: "Ana",
      seat: 1,
      lab: "ws-0123456789ab",
      credentialDigest: "0".repeat(64),
      joinedAt: new Date(T0).toISOString(),
      lastActivityAt: new Date(T0 + MIN).toISOString(),
    };
    expect(dueForReaping(entry, event, T0 + 3 * MIN)).toBe(false); // still "active"
    expect(dueForReaping(entry, event, T0 + 6 * MIN)).toBe(true); // idle, and past the grace
  });

  it("reaps nothing before the end of a supervised event, unless asked to", async () => {
    for (const reapSupervised of [false, true]) {
      const { clock, labs, fake, join_ } = await setup({ supervised: true, reapSupervised });
      await (await join_("Ana")).work;
      clock.t = T0 + 120 * MIN;
      await labs.tick();
      await labs.settled();
      expect(fake.downs).toHaveLength(reapSupervised ? 1 : 0);
    }
  });

  it("removes every lab of the event, warm ones too, once it is over", async () => {
    const { roster, labs, fake, join_, record } = await setup({ seats: 3, warm: 1, supervised: true });
    await labs.tick();
    await labs.settled();
    const ana = await join_("Ana");
    await ana.work;
    await labs.settled();
    const all = (roster.require().labs ?? []).map((l) => l.lab);
    expect(all).toHaveLength(2); // Ana's (the warm one she got) and its replacement
    await roster.end();
    await labs.tick();
    await labs.settled();
    expect(fake.downs.sort()).toEqual([...all].sort());
    expect(all.map((l) => record(l)?.removedBecause)).toEqual(["event-ended", "event-ended"]);
    expect(fake.up.size).toBe(0);
  });

  it("removes a lab that finished starting after the event ended, and does not retry it", async () => {
    const { roster, labs, fake, record } = await setup();
    const { entry } = await roster.join(JoinRequest.parse({ code: "ROOM-42", name: "Ana" }));
    const slow = deferred();
    fake.script.set(entry.lab, [{ until: slow.until }]);
    const { started } = await labs.joined(entry);
    await fake.upCalled(entry.lab);
    await labs.tick(); // the lab is in flight: the round leaves it alone
    await roster.end();
    slow.resolve();
    await started;
    await labs.settled();
    expect(fake.ups).toHaveLength(1);
    expect(fake.downs).toEqual([entry.lab]);
    expect(record(entry.lab)).toMatchObject({ state: "removed", removedBecause: "event-ended" });
  });

  it("starts again a lab a stopped agent left mid-start, and gives a lab to a learner who has none", async () => {
    const { roster, labs, fake, record } = await setup();
    const { entry: ana } = await roster.join(JoinRequest.parse({ code: "ROOM-42", name: "Ana" }));
    const { entry: budi } = await roster.join(JoinRequest.parse({ code: "ROOM-42", name: "Budi" }));
    // Ana's start was under way when the previous agent stopped; Budi joined while no agent ran.
    await roster.updateLabs(() => [
      {
        lab: ana.lab,
        learner: ana.id,
        state: "provisioning",
        attempts: 1,
        since: new Date(T0).toISOString(),
      },
    ]);
    await labs.tick();
    await labs.settled();
    expect(fake.ups.map((u) => u.lab).sort()).toEqual([ana.lab, budi.lab].sort());
    expect(record(ana.lab)?.state).toBe("ready");
    expect(record(budi.lab)).toMatchObject({ state: "ready", learner: budi.id });
  });
});
