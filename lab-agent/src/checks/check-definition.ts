import type { z } from "zod";
import type { CheckOutcome } from "./check-result.ts";
import type { LabAccess } from "./lab-access.ts";
import type { SwarmHistory } from "./swarm-history.ts";

/** What a collector may use: the lab, a per-run cache shared by checks, and the recorded swarm history. */
export interface CheckContext {
  lab: LabAccess;
  /** Collects once per run: checks that read the same thing share one Engine API call. */
  memo<T>(key: string, collect: () => Promise<T>): Promise<T>;
  history: SwarmHistory | undefined;
}

/** What makes a check's answer change, so the live runner knows when to re-run it. */
export type Trigger = "image" | "container" | "service" | "node" | "secret" | "network" | "workspace";

/**
 * A check: collect reads the lab (Engine APIs, registry API, workspace files) and nothing
 * else; evaluate is a pure function of what was collected, so it is unit-tested on recorded JSON.
 */
export interface CheckDefinition<P = unknown, F = unknown> {
  id: string;
  title: string;
  /** snapshot reads state; drill does something on purpose (stop, restart, probe); history needs the past. */
  kind: "snapshot" | "drill" | "history";
  params: z.ZodType<P>;
  triggers: readonly Trigger[];
  collect(ctx: CheckContext, params: P): Promise<F>;
  evaluate(facts: F, params: P): CheckOutcome;
}

export function defineCheck<P, F>(def: CheckDefinition<P, F>): CheckDefinition<P, F> {
  return def;
}
