import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DrydockError, ErrorCode } from "../../src/common/errors.ts";
import type { AgentServer } from "../../src/server/agent-server.ts";
import type { LabStarter } from "../../src/workshop/learner-labs.ts";
import { newEvent, Roster } from "../../src/workshop/roster.ts";
import { callAgent, startOfflineAgent } from "../support/offline-agent.ts";

/**
 * The learner's side of their lab through the agent's API, with a LabStarter in memory: join
 * answers before the lab is up, /me follows it from provisioning to ready (or failed, with a
 * plain message and no log), and the learner can ask for it again.
 */
const home = mkdtempSync(join(tmpdir(), "drydock-workshop-labs-api-"));
const token = "t".repeat(43);
const CODE = "ROOM-4242";
let agent: AgentServer;
const gates = new Map<string, () => void>();
/** While set, every start fails (as a lab whose engine never answers). */
const failing = { on: false };
const starter: LabStarter = {
  async up(req) {
    if (failing.on) {
      throw new DrydockError(ErrorCode.nodeEngine, "laptop's engine did not answer within 60 s.", {
        details: "Last lines of laptop's log:\ncontainerd: failed to mount overlay",
      });
    }
    await new Promise<void>((resolve) => gates.set(req.lab, resolve));
  },
  async down() {},
  async subnetsInUse() {
    return [];
  },
};

beforeAll(async () => {
  agent = await startOfflineAgent({
    token,
    lab: "lead",
    home,
    learnerLabs: starter,
  });
  await new Roster(home).start(newEvent({ seats: 3, code: CODE }, Date.now()));
});
afterAll(() => agent?.close());

const call = (path: string, as?: string, body?: unknown) => callAgent(agent.origin, path, as, body);
const until = async (what: string, fn: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
};

describe("a learner's lab through the API", () => {
  it("is provisioning right after join, ready once it started", async () => {
    const joined = await call("/api/workshop/join", undefined, { code: CODE, name: "Ana" });
    expect(joined.status).toBe(201);
    expect(joined.json.labState).toBe("provisioning");
    const cred = joined.json.credential as string;
    const lab = joined.json.learner.lab as string;
    const me = await call("/api/workshop/me", cred);
    expect(me.json.lab).toMatchObject({
      id: lab,
      state: "provisioning",
      message: "Your lab is starting (about a minute).",
    });
    await until("the start is under way", async () => gates.has(lab));
    gates.get(lab)?.();
    await until("ready", async () => (await call("/api/workshop/me", cred)).json.lab.state === "ready");
    const roster = await call("/api/workshop/roster", token);
    expect(roster.json.learners[0].labState).toMatchObject({ state: "ready", attempts: 1, error: null });
    expect(roster.json.labs).toMatchObject({ ready: 1, provisioning: 0, failed: 0 });
  });

  it("is failed with a plain message and its log tail for the learner and the lead; the learner asks again", async () => {
    failing.on = true;
    const joined = await call("/api/workshop/join", undefined, { code: CODE, name: "Budi" });
    const cred = joined.json.credential as string;
    const lab = joined.json.learner.lab as string;
    await until("failed", async () => (await call("/api/workshop/me", cred)).json.lab.state === "failed");
    const me = await call("/api/workshop/me", cred);
    expect(me.json.lab).toMatchObject({
      message: "Your lab could not be started (it was tried twice). The workshop lead sees why.",
      error: "laptop's engine did not answer within 60 s.",
    });
    // Their own lab's start log, which the join page shows under the error.
    expect(me.json.lab.logTail).toMatch(/failed to mount overlay/);
    const roster = await call("/api/workshop/roster", token);
    const budi = roster.json.learners.find((l: { name: string }) => l.name === "Budi");
    expect(budi.labState).toMatchObject({ state: "failed", attempts: 2 });
    expect(budi.labState.logTail).toMatch(/failed to mount overlay/);
    failing.on = false;
    const again = await call("/api/workshop/lab", cred, {});
    expect(again.status).toBe(202);
    await until("started again", async () => gates.has(lab));
    gates.get(lab)?.();
    await until("ready", async () => (await call("/api/workshop/me", cred)).json.lab.state === "ready");
  });

  it("is the learner's alone to restart: the lead's token is told so", async () => {
    const r = await call("/api/workshop/lab", token, {});
    expect(r.status).toBe(404);
    expect(r.json.error.message).toBe("Only a learner who joined has a lab of their own here.");
  });
});
