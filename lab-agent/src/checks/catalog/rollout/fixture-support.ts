import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SwarmFacts } from "../../collect-swarm.ts";
import { type RolloutFacts, type RolloutService, recordState } from "../../collectors/rollout-facts.ts";
import { HistoryEvent } from "../../swarm-history.ts";

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
