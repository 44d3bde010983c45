import { describe, expect, it } from "vitest";
import { NO_CLUSTER } from "../../collectors/swarm-cluster.ts";
import { swarmChecks } from "./index.ts";

/** What every check shows on a fresh lab (the exercise's `fresh:`): manager-1 in no swarm. */
const fresh = NO_CLUSTER("inactive", false, Date.parse("2026-12-01T21:00:00Z"));
const factsFor: Record<string, unknown> = {
  "swarm.nodes": { cluster: fresh, selfViews: [] },
  "swarm.stack.deployed": {
    swarm: fresh,
    file: { path: "/workspace/reg-case-platform/stack.yml", error: "no such file" },
  },
  "swarm.overlay": { swarm: fresh, runs: [], ipvs: false },
};

describe("swarm checks on a fresh lab", () => {
  it.each(swarmChecks.map((c) => [c.id, c] as const))("%s fails on manager-1's swarm state", (id, check) => {
    const params = check.params.parse({});
    const r = check.evaluate((factsFor[id] ?? fresh) as never, params as never);
    expect(r.status).toBe("fail");
    expect(r.evidence).toContainEqual(
      expect.objectContaining({ field: "Swarm.LocalNodeState", observed: "inactive" }),
    );
  });

  it("each check declares what it watches", () => {
    for (const c of swarmChecks) expect(c.watches.objects.length, c.id).toBeGreaterThan(0);
    expect(
      swarmChecks
        .find((c) => c.id === "swarm.stack.deployed")
        ?.watches.files?.({ stackFile: "reg-case-platform/stack.yml" } as never),
    ).toEqual(["reg-case-platform/stack.yml"]);
  });
});
