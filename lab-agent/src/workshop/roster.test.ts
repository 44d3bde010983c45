import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DrydockError } from "../common/errors.ts";
import { DisplayName, JoinRequest, type WorkshopState } from "./event-schema.ts";
import {
  archivedPath,
  codeMatches,
  credentialDigest,
  endEvent,
  eventPath,
  extendEvent,
  joinEvent,
  learnerStatus,
  learnerView,
  newEvent,
  newEventCode,
  normalizeCode,
  Roster,
  readState,
  touchLearner,
  WrongCodeThrottle,
  writeState,
} from "./roster.ts";

const T0 = Date.parse("2026-12-02T09:00:00Z");
const MIN = 60_000;
const state = (seats = 3, opts = {}): WorkshopState => ({
  version: 1,
  event: newEvent({ seats, code: "K7QF-3MZP", ...opts }, T0),
  roster: [],
});
const join_ = (s: WorkshopState, name: string, code = "K7QF-3MZP", at = T0, id?: string) =>
  joinEvent(s, JoinRequest.parse({ code, name }), `cred-${name}`, at, id);
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof DrydockError ? { code: err.code, message: err.message } : { code: "not-drydock" };
  }
  return { code: "none" };
};

describe("event codes", () => {
  it("are 8 unambiguous characters, different each time", () => {
    const codes = new Set(Array.from({ length: 50 }, newEventCode));
    expect(codes.size).toBe(50);
    for (const c of codes) expect(c).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  });

  it("match without case, spaces or dashes, and nothing else", () => {
    expect(normalizeCode(" k7qf 3mzp ")).toBe("K7QF3MZP");
    expect(codeMatches("k7qf-3mzp", "K7QF-3MZP")).toBe(true);
    expect(codeMatches("K7QF 3MZP", "K7QF-3MZP")).toBe(true);
    expect(codeMatches("K7QF-3MZ", "K7QF-3MZP")).toBe(false);
    expect(codeMatches("", "K7QF-3MZP")).toBe(false);
    expect(codeMatches("K7QF-3MZP-K7QF-3MZP", "K7QF-3MZP")).toBe(false);
  });
});

describe("newEvent", () => {
  it("defaults to four hours, no warm labs, unsupervised, and refuses an end in the past", () => {
    const e = newEvent({ seats: 20 }, T0);
    expect(e).toMatchObject({ seats: 20, warm: 0, supervised: false, until: "2026-12-02T13:00:00.000Z" });
    expect(e.id).toMatch(/^[a-f0-9]{16}$/);
    expect(() => newEvent({ seats: 2, until: T0 - 1 }, T0)).toThrow(/not in the future/);
    expect(() => newEvent({ seats: 2, warm: 3 }, T0)).toThrow(/warm labs cannot outnumber seats/);
    expect(() => newEvent({ seats: 0 }, T0)).toThrow(/seats/);
    expect(() => newEvent({ seats: 2, code: "ab" }, T0)).toThrow(/at least 4 characters/);
    expect(() => newEvent({ seats: 2, code: "drop;table" }, T0)).toThrow(/letters, digits and dashes/);
  });
});

describe("display names", () => {
  it.each([
    ["  Ana   Lima ", "Ana Lima"],
    ["Budi\tSantoso", "Budi Santoso"],
    ["Çağrı", "Çağrı"],
  ])("%j is kept as %j", (raw, kept) => {
    expect(DisplayName.parse(raw)).toBe(kept);
  });

  it.each([
    ["", /needed/],
    ["   ", /needed/],
    ["x".repeat(41), /at most 40/],
    ["bell\u0007", /control characters/],
  ])("%j is refused", (raw, message) => {
    expect(() => DisplayName.parse(raw)).toThrow(message);
  });
});

describe("joinEvent", () => {
  it("gives each learner the lowest free seat, a lab named by it, and keeps only the credential's digest", () => {
    let s = state();
    const a = join_(s, "Ana");
    s = a.state;
    const b = join_(s, "Budi");
    expect(a.entry).toMatchObject({
      name: "Ana",
      seat: 1,
      lab: `ws-${a.entry.id}`,
      joinedAt: "2026-12-02T09:00:00.000Z",
    });
    // Named by the learner's random id, never by the seat: an earlier event's ws-001 is not theirs.
    expect(a.entry.id).toMatch(/^[a-f0-9]{12}$/);
    expect(b.entry).toMatchObject({ seat: 2, lab: `ws-${b.entry.id}` });
    expect(join_(s, "Citra", "K7QF-3MZP", T0, "0123456789ab").entry.lab).toBe("ws-0123456789ab");
    expect(a.entry.credentialDigest).toBe(credentialDigest("cred-Ana"));
    expect(JSON.stringify(b.state)).not.toContain("cred-Ana");
    expect(b.state.roster).toHaveLength(2);
    expect(s.roster).toHaveLength(1); // pure: the input is untouched
  });

  it("refuses a name already on the roster, whatever its case and spacing", () => {
    const s = join_(state(), "Ana Lima").state;
    expect(codeOf(() => join_(s, "ana  lima"))).toMatchObject({
      code: "conflict",
      message: /already goes by/,
    });
  });

  it("answers 'full' past the last seat, with the seat count", () => {
    let s = state(2);
    s = join_(s, "A").state;
    s = join_(s, "B").state;
    expect(codeOf(() => join_(s, "C"))).toEqual({
      code: "workshop-full",
      message: "The workshop is full: all 2 seats are taken.",
    });
  });

  it("answers 'wrong code' before anything about the roster", () => {
    let s = state(1);
    s = join_(s, "A").state;
    expect(codeOf(() => join_(s, "A", "WRONG-CODE"))).toMatchObject({
      code: "unauthorized",
      message: /not right/,
    });
  });

  it("answers 'ended' once the lead ended the event or its time is up", () => {
    const s = state();
    expect(codeOf(() => join_(endEvent(s, T0 + MIN), "A", "K7QF-3MZP", T0 + 2 * MIN))).toEqual({
      code: "event-ended",
      message: "This workshop ended at 2026-12-02 09:01 UTC.",
    });
    expect(codeOf(() => join_(s, "A", "K7QF-3MZP", T0 + 4 * 60 * MIN)).code).toBe("event-ended");
  });
});

describe("extend and end", () => {
  it("extends from the current end, or from now once it has passed; an ended event stays ended", () => {
    const s = state();
    expect(extendEvent(s, 30, T0).event.until).toBe("2026-12-02T13:30:00.000Z");
    expect(extendEvent(s, 10, T0 + 5 * 60 * MIN).event.until).toBe("2026-12-02T14:10:00.000Z");
    const ended = endEvent(s, T0 + MIN);
    expect(ended.event.endedAt).toBe("2026-12-02T09:01:00.000Z");
    expect(endEvent(ended, T0 + 9 * MIN).event.endedAt).toBe("2026-12-02T09:01:00.000Z");
    expect(codeOf(() => extendEvent(ended, 10, T0 + 2 * MIN)).code).toBe("event-ended");
  });
});

describe("learner state", () => {
  // idle after 5 minutes without activity, stuck after 10 without progress (the defaults)
  const base = () => join_(state(), "Ana").state;
  const at = (s: WorkshopState, now: number) => learnerStatus(s.roster[0] as never, s.event, now);

  it("is joined until the first activity", () => {
    expect(at(base(), T0 + 30 * MIN)).toBe("joined");
  });

  it("is active while working and making progress, idle after a pause, stuck when working without progress", () => {
    const s0 = base();
    const id = s0.roster[0]?.id as string;
    let s = touchLearner(s0, id, "activity", T0 + 2 * MIN);
    expect(at(s, T0 + 3 * MIN)).toBe("active");
    expect(at(s, T0 + 7 * MIN)).toBe("idle");
    s = touchLearner(s, id, "activity", T0 + 11 * MIN);
    expect(at(s, T0 + 11 * MIN)).toBe("stuck");
    s = touchLearner(s, id, "progress", T0 + 12 * MIN);
    expect(at(s, T0 + 13 * MIN)).toBe("active");
    const view = learnerView(s.roster[0] as never, s.event, T0 + 21 * MIN);
    expect(view).toMatchObject({ status: "idle", idleMinutes: 9, minutesWithoutProgress: 9, seat: 1 });
  });

  it("never moves a timestamp back", () => {
    const s0 = base();
    const id = s0.roster[0]?.id as string;
    const s = touchLearner(touchLearner(s0, id, "progress", T0 + 9 * MIN), id, "activity", T0 + 3 * MIN);
    expect(s.roster[0]?.lastActivityAt).toBe("2026-12-02T09:09:00.000Z");
  });
});

describe("WrongCodeThrottle", () => {
  it("refuses a caller after 10 wrong codes a minute, everyone after 100, and forgets after the window", () => {
    let now = 0;
    const t = new WrongCodeThrottle(10, 100, MIN, () => now);
    for (let i = 0; i < 10; i++) {
      t.check("1.2.3.4");
      t.fail("1.2.3.4");
    }
    expect(codeOf(() => t.check("1.2.3.4")).code).toBe("too-many");
    expect(() => t.check("5.6.7.8")).not.toThrow();
    for (let i = 0; i < 90; i++) t.fail(`10.0.0.${i}`);
    expect(codeOf(() => t.check("9.9.9.9")).code).toBe("too-many");
    now += MIN;
    expect(() => t.check("1.2.3.4")).not.toThrow();
  });
});

describe("Roster (the file)", () => {
  const home = () => mkdtempSync(join(tmpdir(), "drydock-roster-"));

  it("persists joins, extensions and the end atomically, 0600 in a 0700 folder, across instances", async () => {
    const h = home();
    let now = T0;
    const roster = new Roster(h, { now: () => now });
    expect(roster.current()).toBeUndefined();
    expect(() => roster.require()).toThrow(/no workshop running/);
    await roster.start(newEvent({ seats: 2, code: "ROOM-42" }, now));
    const { entry, credential } = await roster.join(JoinRequest.parse({ code: "room42", name: "Ana" }));
    expect(credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(eventPath(h)).mode & 0o777).toBe(0o600);
    expect(statSync(join(h, "workshop")).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(h, "workshop")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readFileSync(eventPath(h), "utf8")).not.toContain(credential);

    // Another process (a restarted agent) sees it all, and knows the learner by their credential only.
    const again = new Roster(h, { now: () => now });
    expect(again.learnerFor(credential)?.id).toBe(entry.id);
    expect(again.learnerFor("x".repeat(43))).toBeUndefined();
    expect(again.learnerFor(undefined)).toBeUndefined();
    now += MIN;
    expect((await again.extend(30)).until).toBe("2026-12-02T13:30:00.000Z");
    expect(roster.current()?.event.until).toBe("2026-12-02T13:30:00.000Z");
    await again.end();
    expect(roster.current()?.event.endedAt).toBe("2026-12-02T09:01:00.000Z");
    // An ended event's credentials open nothing, and say why.
    expect(() => roster.learnerFor(credential)).toThrow(/This workshop ended at 2026-12-02 09:01 UTC/);
  });

  it("refuses a second event while one runs, and keeps the previous roster when a new one starts", async () => {
    const h = home();
    const roster = new Roster(h, { now: () => T0 });
    const first = await roster.start(newEvent({ seats: 2 }, T0));
    await roster.join(JoinRequest.parse({ code: first.event.code, name: "Ana" }));
    await expect(roster.start(newEvent({ seats: 2 }, T0))).rejects.toThrow(/already running/);
    await roster.end();
    const second = await roster.start(newEvent({ seats: 5 }, T0));
    expect(second.roster).toEqual([]);
    const archived = readState(archivedPath(join(h, "workshop"), first.event.id));
    expect(archived?.roster.map((r) => r.name)).toEqual(["Ana"]);
  });

  it("buffers activity, shows it at once, and writes it with the next change or after flushMs", async () => {
    const h = home();
    let now = T0;
    const roster = new Roster(h, { now: () => now, flushMs: 30_000 });
    const s = await roster.start(newEvent({ seats: 3 }, now));
    const { entry } = await roster.join(JoinRequest.parse({ code: s.event.code, name: "Ana" }));
    now += MIN;
    const written = roster.touch(entry.id, "activity"); // a minute since the last write: written now
    expect(roster.current()?.roster[0]?.lastActivityAt).toBe("2026-12-02T09:01:00.000Z");
    await written;
    expect(readState(eventPath(h))?.roster[0]?.lastActivityAt).toBe("2026-12-02T09:01:00.000Z");
    now += 10_000;
    await roster.touch(entry.id, "progress"); // within flushMs of the last write: only in memory
    expect(readState(eventPath(h))?.roster[0]?.lastProgressAt).toBeUndefined();
    expect(roster.current()?.roster[0]?.lastProgressAt).toBe("2026-12-02T09:01:10.000Z");
    await roster.flush();
    expect(readState(eventPath(h))?.roster[0]?.lastProgressAt).toBe("2026-12-02T09:01:10.000Z");
  });

  it("seats a room joining at once, each on a seat of their own, without waiting on the lock", async () => {
    let lockWaits = 0;
    const roster = new Roster(home(), { now: () => T0, onLockWait: () => lockWaits++ });
    const s = await roster.start(newEvent({ seats: 20 }, T0));
    const joined = await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        roster.join(JoinRequest.parse({ code: s.event.code, name: `Learner ${i}` })).then(
          (j) => j.entry.seat,
          (err: DrydockError) => err.code,
        ),
      ),
    );
    // The joins queue in this process: none contended for the file's lock (each wait costs 1 s).
    expect(lockWaits).toBe(0);
    expect(joined.filter((j) => j === "workshop-full")).toHaveLength(1);
    expect(joined.filter((j) => typeof j === "number").sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(roster.current()?.roster).toHaveLength(20);
  });

  it("keeps each learner's subnet from the pool in their entry", async () => {
    const h = home();
    const roster = new Roster(h, { now: () => T0 });
    const s = await roster.start(newEvent({ seats: 3 }, T0));
    const a = (await roster.join(JoinRequest.parse({ code: s.event.code, name: "A" }))).entry;
    const b = (await roster.join(JoinRequest.parse({ code: s.event.code, name: "B" }))).entry;
    expect(await roster.assignSubnet(a.id, ["10.213.0.0/24"])).toBe("10.213.1.0/24");
    expect(await new Roster(h).assignSubnet(b.id, [])).toBe("10.213.0.0/24");
    await expect(roster.assignSubnet("0123456789ab", [])).rejects.toThrow(/No learner 0123456789ab/);
    expect(await roster.assignSubnet(a.id, [])).toBe("10.213.1.0/24");
    expect(readState(eventPath(h))?.roster.map((r) => r.subnet)).toEqual(["10.213.1.0/24", "10.213.0.0/24"]);
  });

  it("says plainly when the file is damaged", () => {
    const h = home();
    const path = eventPath(h);
    writeState(path, state());
    writeFileSync(path, "{ not json");
    expect(() => new Roster(h).current()).toThrow(/workshop file .* is damaged: not JSON/);
    writeFileSync(path, JSON.stringify({ version: 1, event: {}, roster: [] }));
    expect(() => readState(path)).toThrow(/is damaged: event\.id/);
    expect(existsSync(path)).toBe(true);
  });
});
