import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readZipStore, zipStore } from "../../src/common/zip-store.ts";
import { saveRun } from "../../src/drills/drill-state.ts";
import { DrillRun } from "../../src/drills/drill-types.ts";
import { verifyScorecard } from "../../src/score/scorecard.ts";
import type { AgentServer } from "../../src/server/agent-server.ts";
import { learnerDrill } from "../../src/workshop/learner-drill.ts";
import type { LabStarter } from "../../src/workshop/learner-labs.ts";
import { scorecardFileName } from "../../src/workshop/learner-scorecards.ts";
import { newEvent, Roster } from "../../src/workshop/roster.ts";
import { callAgent, startOfflineAgent } from "../support/offline-agent.ts";

/**
 * The lead's end-of-workshop exports and the roster's drill state: every learner's signed
 * scorecard in one zip (lead only), each learner's drill from their lab's drill runs, and the
 * event's controls refusing what is malformed with what was wrong.
 */
const home = mkdtempSync(join(tmpdir(), "drydock-workshop-exports-"));
const token = "e".repeat(43);
const CODE = "EXPO-2718";
let agent: AgentServer;
const starter: LabStarter = {
  async up() {},
  async down() {},
  async subnetsInUse() {
    return [];
  },
};
const learners: Array<{ credential: string; id: string; lab: string; name: string }> = [];

beforeAll(async () => {
  agent = await startOfflineAgent({ token, lab: "lead", home, learnerLabs: starter });
  await new Roster(home).start(newEvent({ seats: 3, code: CODE }, Date.now()));
  for (const name of ["Ana Lima", "Budi"]) {
    const r = await callAgent(agent.origin, "/api/workshop/join", undefined, { code: CODE, name });
    expect(r.status).toBe(201);
    learners.push({ credential: r.json.credential, id: r.json.learner.id, lab: r.json.learner.lab, name });
  }
});
afterAll(() => agent?.close());

const run = (
  lab: string,
  drill: string,
  phase: string,
  startedAt: string,
  stoppedAt: string | null,
  verdict: string,
) => DrillRun.parse({ drill, lab, phase, startedAt, stoppedAt, verdict });

describe("zipStore", () => {
  it("writes stored entries that read back byte for byte, with their CRC-32", () => {
    const files = [
      { name: "a.json", data: Buffer.from('{"a":1}\n'), modified: new Date("2026-12-03T10:00:00Z") },
      { name: "b-2.json", data: Buffer.from("ü".repeat(1000)), modified: new Date("2026-12-03T10:00:00Z") },
    ];
    const zip = zipStore(files);
    expect(zip.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    const back = readZipStore(zip);
    expect(back.map((e) => e.name)).toEqual(["a.json", "b-2.json"]);
    expect(back.map((e) => e.data.toString())).toEqual(files.map((f) => f.data.toString()));
    expect(back.every((e) => e.crcOk)).toBe(true);
    // A flipped byte in a file's data is caught by its CRC.
    const broken = Buffer.from(zip);
    const at = 30 + "a.json".length;
    broken[at] = (broken[at] ?? 0) ^ 0xff;
    expect(readZipStore(broken)[0]?.crcOk).toBe(false);
    expect(crc32(files[0]?.data ?? Buffer.alloc(0)) >>> 0).toBe(zip.readUInt32LE(14));
  });

  it("refuses names that could leave the folder it is unpacked in, and duplicates", () => {
    const at = new Date();
    for (const name of ["../x.json", "a/b.json", ".hidden", "", "x\u0000.json"]) {
      expect(() => zipStore([{ name, data: Buffer.alloc(1), modified: at }]), name).toThrow(
        /unsafe zip entry/,
      );
    }
    const twice = { name: "a.json", data: Buffer.alloc(1), modified: at };
    expect(() => zipStore([twice, twice])).toThrow(/duplicate/);
  });

  it("names scorecards by seat and a plain slug of the name", () => {
    expect(scorecardFileName(3, "Ana Lima")).toBe("scorecard-03-ana-lima.json");
    expect(scorecardFileName(12, "Zoë ../ Ñandú")).toBe("scorecard-12-zoe-nandu.json");
    expect(scorecardFileName(1, "李")).toBe("scorecard-01.json");
  });
});

describe("a learner's drill on the roster", () => {
  it("is null with no run, the active one while a drill is in the lab, else the latest with its verdict", () => {
    const lab = "ws-0123456789ab";
    expect(learnerDrill(home, lab)).toBeNull();
    saveRun(
      home,
      run(lab, "container-crash", "stopped", "2026-12-03T09:00:00Z", "2026-12-03T09:10:00Z", "pass"),
    );
    saveRun(home, run(lab, "node-drain", "stopped", "2026-12-03T09:20:00Z", "2026-12-03T09:30:00Z", "fail"));
    expect(learnerDrill(home, lab)).toEqual({
      drill: "node-drain",
      phase: "stopped",
      verdict: "fail",
      active: false,
      since: "2026-12-03T09:30:00Z",
    });
    saveRun(home, run(lab, "secret-rotation", "active", "2026-12-03T08:00:00Z", null, "pending"));
    expect(learnerDrill(home, lab)).toMatchObject({
      drill: "secret-rotation",
      active: true,
      verdict: "pending",
    });
  });

  it("shows on the lead's roster for that learner only", async () => {
    const [ana, budi] = learners;
    if (!ana || !budi) throw new Error("no learners");
    saveRun(home, run(ana.lab, "container-crash", "active", new Date().toISOString(), null, "pending"));
    const roster = await callAgent(agent.origin, "/api/workshop/roster", token);
    const byId = new Map(roster.json.learners.map((l: { id: string }) => [l.id, l]));
    expect(byId.get(ana.id)).toMatchObject({
      drill: { drill: "container-crash", phase: "active", active: true },
    });
    expect(byId.get(budi.id)).toMatchObject({ drill: null });
  });
});

describe("the lead's exports and controls", () => {
  it("exports every learner's signed scorecard as a zip, named as on the roster", async () => {
    const res = await fetch(`${agent.origin}/api/workshop/scorecards.zip`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="scorecards-[a-f0-9]{16}\.zip"$/,
    );
    const entries = readZipStore(Buffer.from(await res.arrayBuffer()));
    expect(entries.map((e) => e.name)).toEqual(["scorecard-01-ana-lima.json", "scorecard-02-budi.json"]);
    for (const [i, e] of entries.entries()) {
      expect(e.crcOk).toBe(true);
      const verdict = await verifyScorecard(JSON.parse(e.data.toString()));
      expect(verdict.verified, verdict.reason).toBe(true);
      expect(verdict.name).toContain(learners[i]?.name);
    }
    // Signing and verifying (RDF canonicalization) take seconds on a loaded host.
  }, 120_000);

  it("is the lead's only, and takes no query", async () => {
    const [ana] = learners;
    const asLearner = await callAgent(agent.origin, "/api/workshop/scorecards.zip", ana?.credential);
    expect(asLearner.status).toBe(403);
    expect(asLearner.json.error.message).toBe("This is for the workshop lead only.");
    const anonymous = await callAgent(agent.origin, "/api/workshop/scorecards.zip");
    expect(anonymous.status).toBe(401);
    const query = await callAgent(agent.origin, "/api/workshop/scorecards.zip?learner=x", token);
    expect(query.status).toBe(400);
    expect(query.json.error.message).toMatch(/query.*learner/);
  });

  it("refuses an extension that is not a whole number of minutes from 1 to 240, naming it", async () => {
    for (const minutes of [0, 241, 1.5, "10"]) {
      const r = await callAgent(agent.origin, "/api/workshop/extend", token, { minutes });
      expect(r.status, String(minutes)).toBe(400);
      expect(r.json.error.message, String(minutes)).toMatch(/minutes/);
    }
    const extra = await callAgent(agent.origin, "/api/workshop/end", token, { now: true });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toMatch(/now/);
  });

  it("gives a learner's progress their roster name and none of the host owner's reviews", async () => {
    const [ana] = learners;
    const p = await callAgent(agent.origin, "/api/progress", ana?.credential);
    expect(p.status).toBe(200);
    expect(p.json.displayName).toBe("Ana Lima");
    expect(p.json.lab).toBe(ana?.lab);
  });
});
