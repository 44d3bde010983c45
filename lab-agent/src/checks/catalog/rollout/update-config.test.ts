import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HealthConfig, RolloutSpec } from "../../collectors/rollout-facts.ts";
import { factsOf, loadRecorded, NO_SWARM, PARAMS, withService } from "./fixture-support.ts";
import { evaluateUpdateConfig, type UpdateConfigFacts } from "./update-config.ts";

// The reference stack as deployed on a real lab (manager-1's GET /services/{id}), and the
// image's own config from the lab registry (its Dockerfile HEALTHCHECK: every 10 s, 3 retries).
const deployed = factsOf(loadRecorded("update-config", "deployed"));
const imageConfig = JSON.parse(
  readFileSync(join(import.meta.dirname, "fixtures/update-config/image-config-1.0.0.json"), "utf8"),
) as { config: { Healthcheck: HealthConfig } };
const imageHealth = {
  ref: "registry:5000/reg-case-platform@sha256:…",
  healthcheck: imageConfig.config.Healthcheck,
};
const s = 1e9;

type Change = {
  update?: RolloutSpec["UpdateConfig"] | null;
  rollback?: RolloutSpec["RollbackConfig"] | null;
  /** The service's own healthcheck: null removes it (the image's applies), "NONE" disables it. */
  health?: HealthConfig | null | "NONE";
  replicas?: number;
  /** The image's HEALTHCHECK as the registry gives it; null: the image has none; undefined: unreadable. */
  image?: HealthConfig | null | "unreadable";
};

function variant(c: Change): UpdateConfigFacts {
  const facts = withService(deployed, (svc) => {
    const spec = svc.Spec;
    if (c.update === null) delete spec.UpdateConfig;
    else if (c.update) spec.UpdateConfig = { ...spec.UpdateConfig, ...c.update };
    if (c.rollback === null) delete spec.RollbackConfig;
    else if (c.rollback) spec.RollbackConfig = { ...spec.RollbackConfig, ...c.rollback };
    const cs = spec.TaskTemplate?.ContainerSpec;
    const h = c.health;
    if (cs) {
      if (h === null) delete cs.Healthcheck;
      else if (h === "NONE") cs.Healthcheck = { Test: ["NONE"] };
      else if (h) cs.Healthcheck = h;
    }
    if (c.replicas !== undefined) spec.Mode = { Replicated: { Replicas: c.replicas } };
    return svc;
  });
  const healthcheck =
    c.image === "unreadable" ? undefined : c.image === undefined ? imageHealth.healthcheck : c.image;
  return { ...facts, imageHealth: { ref: imageHealth.ref, healthcheck } };
}

const right: Array<[string, Change, RegExp]> = [
  [
    "the reference stack: parallelism 1, start-first, monitor 10s, rollback, ratio 0",
    {},
    /Rolls 1 of 2 at a time/,
  ],
  [
    "the seed's production stack: delay 15s, monitor 60s, rollback_config stop-first 1 at a time",
    {
      update: {
        Parallelism: 1,
        Delay: 15 * s,
        Order: "start-first",
        FailureAction: "rollback",
        Monitor: 60 * s,
        MaxFailureRatio: 0,
      },
      rollback: {
        Parallelism: 1,
        Delay: 10 * s,
        Order: "stop-first",
        Monitor: 60 * s,
        FailureAction: "pause",
      },
    },
    /watches each for 60 s/,
  ],
  [
    "no healthcheck in the stack: the image's HEALTHCHECK (10 s × 3) gates it, monitor 30s covers it",
    { health: null, update: { Monitor: 30 * s } },
    /from the image/,
  ],
  [
    "six replicas two at a time with max_failure_ratio 0.1 (less than one task in six)",
    { replicas: 6, update: { Parallelism: 2, MaxFailureRatio: 0.1 } },
    /Rolls 2 of 6/,
  ],
  [
    "no rollback_config at all (Swarm's rollback defaults: one at a time)",
    { rollback: null },
    /rolls back on failure/,
  ],
  [
    "one replica: parallelism 1 is the only way, start-first keeps it serving",
    { replicas: 1 },
    /Rolls 1 of 1/,
  ],
];

const wrong: Array<[string, Change, RegExp]> = [
  [
    "no update_config at all: Swarm's defaults (pause, stop-first, monitor 5s)",
    { update: null },
    /failure_action is pause \(unset\).*order is stop-first \(unset\).*monitor is not set/,
  ],
  [
    "failure_action: continue, as in a tutorial that wanted updates never to stop",
    { update: { FailureAction: "continue" } },
    /failure_action is continue/,
  ],
  [
    "failure_action: pause (the mistake: Swarm's default, written out)",
    { update: { FailureAction: "pause", Order: "stop-first" } },
    /failure_action is pause: .*order is stop-first:/,
  ],
  ["monitor: 0s (the API then leaves Monitor out)", { update: { Monitor: undefined } }, /monitor is not set/],
  [
    "update_config without parallelism from a raw API client (the API leaves 0 out: all at once)",
    { update: { Parallelism: undefined } },
    /parallelism is 0/,
  ],
  [
    "no healthcheck anywhere: nothing fails, nothing rolls back",
    { health: null, image: null },
    /there is no healthcheck/,
  ],
  ["healthcheck: disable: true in the stack", { health: "NONE" }, /there is no healthcheck/],
  ["parallelism: 0 (all at once)", { update: { Parallelism: 0 } }, /parallelism is 0/],
  ["parallelism 2 with 2 replicas", { update: { Parallelism: 2 } }, /parallelism 2 replaces all 2 replicas/],
  [
    "max_failure_ratio 0.5 with 2 replicas: one bad task is tolerated",
    { update: { MaxFailureRatio: 0.5 } },
    /max_failure_ratio 0.5 tolerates 1/,
  ],
  [
    "monitor 10s with only the image's healthcheck (10 s × 3 = 30 s to call a task unhealthy)",
    { health: null },
    /monitor 10 s is shorter than the 30 s/,
  ],
  [
    "rollback_config parallelism 0, stop-first: the rollback itself is an outage",
    { rollback: { Parallelism: 0, Order: "stop-first" } },
    /rollback stops every task at once/,
  ],
];

describe("swarm.update-config", () => {
  it.each(right)("passes: %s", (_name, change, summary) => {
    const r = evaluateUpdateConfig(variant(change), PARAMS);
    expect(r.status, r.summary).toBe("pass");
    expect(r.summary).toMatch(summary);
  });

  it.each(wrong)("fails: %s", (_name, change, summary) => {
    const r = evaluateUpdateConfig(variant(change), PARAMS);
    expect(r.status, r.summary).toBe("fail");
    expect(r.summary).toMatch(summary);
  });

  it("can't tell when the service sets no healthcheck and the image's config is unreadable", () => {
    const r = evaluateUpdateConfig(
      variant({ health: null, image: "unreadable", update: { Monitor: 60 * s } }),
      PARAMS,
    );
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/^Can't tell, because .* could not be read/);
  });

  it("fails on a lab with no swarm, with the swarm state as evidence", () => {
    const r = evaluateUpdateConfig(NO_SWARM, PARAMS);
    expect(r.status).toBe("fail");
    expect(r.evidence[0]?.observed).toBe("inactive");
  });

  it("shows durations in seconds and says which values are Swarm's defaults", () => {
    const r = evaluateUpdateConfig(variant({ update: null }), PARAMS);
    const monitor = r.evidence.find((e) => e.field === "Spec.UpdateConfig.Monitor (s)");
    expect(monitor?.observed).toBe("5 (unset: Swarm's default)");
    const zero = evaluateUpdateConfig(variant({ update: { Monitor: undefined } }), PARAMS);
    expect(zero.evidence.find((e) => e.field === "Spec.UpdateConfig.Monitor (s)")?.observed).toBe(
      "0 (or not set)",
    );
  });
});
