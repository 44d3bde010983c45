import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SwarmFacts, SwarmTask } from "../../collectors/collect-swarm.ts";
import { type RolloutFacts, type RolloutService, recordState } from "../../collectors/rollout-facts.ts";
import { diffServices, HistoryEvent } from "../../collectors/swarm-history.ts";

/**
 * Test fixtures of the h17 checks: states of reg-case_case-api recorded on a real lab
 * (Docker 26, three-node swarm) with the agent's recorder on, one file per state:
 * `{ swarm: SwarmFacts (the manager's nodes, the service, its tasks), history: HistoryEvent[] }`.
 * Recorded by a scenario that deploys the reference stack, updates it to 1.1.0, rolls out a
 * bad 1.2.0 (listens on 8081; the stack's healthcheck probes 8080) and so on; see the README
 * beside the fixtures.
 */
export interface Recorded {
  swarm: SwarmFacts;
  history: HistoryEvent[];
}

export function loadRecorded(check: string, state: string): Recorded {
  const raw = JSON.parse(
    readFileSync(join(import.meta.dirname, "fixtures", check, `${state}.json`), "utf8"),
  ) as {
    swarm: SwarmFacts;
    history: unknown[];
  };
  return { swarm: raw.swarm, history: raw.history.map((e) => HistoryEvent.parse(e)) };
}

/** Facts as the collector makes them; `history: false` is a lab where the agent never ran. */
export function factsOf(rec: Recorded, opts: { history?: boolean } = {}): RolloutFacts {
  const service = rec.swarm.services[0] as unknown as RolloutService | undefined;
  const history = opts.history === false ? [] : rec.history;
  return {
    swarm: rec.swarm,
    service,
    tasks: service ? rec.swarm.tasks.filter((t) => t.ServiceID === service.ID) : [],
    history,
    record: recordState(true, service, history),
  };
}

/** A copy of the facts with the service changed (a variant of a recorded state). */
export function withService(
  facts: RolloutFacts,
  change: (s: RolloutService) => RolloutService,
): RolloutFacts {
  const service = facts.service ? change(structuredClone(facts.service)) : undefined;
  return {
    ...facts,
    service,
    swarm: { ...facts.swarm, services: service ? [service as never] : [] },
  };
}

export const NO_SWARM: RolloutFacts = {
  swarm: { localState: "inactive", isManager: false, nodes: [], services: [], tasks: [] },
  tasks: [],
  history: [],
  record: { state: "never-saw" },
};

export const PARAMS = { stack: "reg-case", service: "case-api" };

interface Poll {
  name: string;
  at: string;
  service: RolloutService;
}

/**
 * Another real service's life, polled with `docker service inspect` at each change (deploy,
 * update to 1.1.0, the bad 1.2.0 rolled back by Swarm, 1.1.1, `service rollback`,
 * `update --rollback`, the bad one with failure_action pause, `service rollback` from paused).
 * Replaying the polls up to one through the recorder's diff gives what it records.
 */
export function replay(
  check: string,
  upTo: string,
  opts: { history?: boolean; tasks?: (svc: RolloutService) => SwarmTask[] } = {},
): RolloutFacts {
  const polls = JSON.parse(
    readFileSync(join(import.meta.dirname, "fixtures", check, "polls-one-service.json"), "utf8"),
  ) as Poll[];
  const end = polls.findIndex((p) => p.name === upTo);
  if (end < 0) throw new Error(`no poll ${upTo}`);
  const seen = new Map();
  const history = polls
    .slice(0, end + 1)
    .flatMap((p) => diffServices(seen, [p.service as never], p.at, { sightings: true }))
    .map((e) => ({ ...e, createdAt: e.kind === "seen" ? (polls[0]?.service.CreatedAt ?? null) : null }));
  const service = (polls[end] as Poll).service;
  const tasks = opts.tasks ? opts.tasks(service) : runningOn(service, 2);
  const kept = opts.history === false ? [] : history;
  return {
    swarm: { localState: "active", isManager: true, nodes: [], services: [service as never], tasks },
    service,
    tasks,
    history: kept,
    record: recordState(true, service, kept),
  };
}

let n = 0;
/** A task as GET /tasks gives it (the fields the checks read). */
export function task(
  svc: RolloutService,
  image: string | undefined,
  state: string,
  desired: string,
  createdAt = svc.UpdateStatus?.StartedAt ?? svc.UpdatedAt ?? "",
  err?: string,
): SwarmTask {
  n += 1;
  return {
    ID: `task${n}`,
    ServiceID: svc.ID,
    DesiredState: desired,
    CreatedAt: createdAt,
    Spec: { ContainerSpec: { ...(image ? { Image: image } : {}) } },
    Status: { State: state, ...(err ? { Err: err } : {}) },
  };
}

/** `count` tasks running the service's current image (as after it converged). */
export function runningOn(svc: RolloutService, count: number): SwarmTask[] {
  const image = svc.Spec.TaskTemplate?.ContainerSpec?.Image;
  return Array.from({ length: count }, () => task(svc, image, "running", "running"));
}

export const BAD =
  "registry:5000/reg-case-platform@sha256:483811c9c9c67e1a16e0aee51b65bdd640b3c81a87f25d97c850c473cfc1f5ab";
export const V1 =
  "registry:5000/reg-case-platform@sha256:ac374a8eb22b2963c1715f5afce5a8684821b00845e760c795eb228e69f6b403";
export const V2 =
  "registry:5000/reg-case-platform@sha256:29b9fc20c0dc124587e997c752f5b6872bb88f38cc29395f93f08dc198ee0262";
export const V3 =
  "registry:5000/reg-case-platform@sha256:e57ce67712b13d03a5bd50d625192d2efc8f38504f398c2323ce9313ecd45cfb";
