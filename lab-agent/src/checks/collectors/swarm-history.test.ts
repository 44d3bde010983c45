import { describe, expect, it } from "vitest";
import type { CheckContext } from "../check-definition.ts";
import type { SwarmFacts, SwarmService } from "./collect-swarm.ts";
import { collectRollout } from "./rollout-facts.ts";
import {
  diffServices,
  type HistoryEvent,
  type HistoryEventInput,
  HistoryEvent as Schema,
} from "./swarm-history.ts";

const svc = (
  id: string,
  state: string | undefined,
  image: string,
  startedAt = "s1",
): SwarmService & { CreatedAt: string } => ({
  ID: id,
  CreatedAt: "2026-12-01T20:00:00Z",
  Spec: { Name: "reg-case_case-api", TaskTemplate: { ContainerSpec: { Image: image } } },
  ...(state ? { UpdateStatus: { State: state, StartedAt: startedAt } } : {}),
});

describe("swarm history recorder diff", () => {
  it("keys services by ID: stack rm + deploy (same name, new ID) is removed + seen, not an update", () => {
    const seen = new Map();
    const first = diffServices(seen, [svc("old", undefined, "a@sha256:1")], "t0", { sightings: true });
    expect(first.map((e) => `${e.kind} ${e.service}`)).toEqual(["seen old"]);
    expect(first[0]?.createdAt).toBe("2026-12-01T20:00:00Z");
    const again = diffServices(seen, [svc("new", undefined, "a@sha256:1")], "t1", { sightings: true });
    expect(again.map((e) => `${e.kind} ${e.service}`)).toEqual(["seen new", "removed old"]);
  });

  it("two updates in a row that both end 'completed' differ by StartedAt", () => {
    const seen = new Map();
    diffServices(seen, [svc("s", "completed", "a@sha256:1", "u1")], "t0", { sightings: true });
    const next = diffServices(seen, [svc("s", "completed", "a@sha256:2", "u2")], "t1", { sightings: true });
    expect(next.map((e) => `${e.kind} ${e.old}→${e.new}`)).toEqual([
      "image a@sha256:1→a@sha256:2",
      "update-state completed→completed",
    ]);
    expect(next[1]?.startedAt).toBe("u2");
  });

  it("reads rows written before IDs and sightings (no name, previousImage, startedAt)", () => {
    const old = {
      at: "t",
      service: "reg-case_case-api",
      kind: "image",
      old: "a",
      new: "b",
      message: null,
      image: "b",
    };
    expect(Schema.parse(old)).toMatchObject({ name: null, previousImage: null, startedAt: null });
  });
});

describe("collectRollout", () => {
  it("reads the history of the service's ID only: a redeployed service does not inherit the old one's", async () => {
    const service = svc("new-id", undefined, "registry:5000/reg-case-platform@sha256:1");
    const swarm: SwarmFacts = {
      localState: "active",
      isManager: true,
      nodes: [],
      services: [service],
      tasks: [],
    };
    const rows: Record<string, HistoryEvent[]> = {
      "old-id": [
        Schema.parse({
          at: "t0",
          service: "old-id",
          kind: "update-state",
          old: "updating",
          new: "rollback_started",
          message: "update rolled back due to failure or early termination of task x",
          image: "i",
        } satisfies HistoryEventInput),
      ],
    };
    const ctx = {
      lab: { lab: "l" },
      memo: async () => swarm,
      history: { events: (_lab: string, id: string) => rows[id] ?? [], record: () => {} },
    } as unknown as CheckContext;
    const facts = await collectRollout(ctx, { stack: "reg-case", service: "case-api" });
    expect(facts.history).toEqual([]);
    expect(facts.record.state).toBe("never-saw");
  });
});
