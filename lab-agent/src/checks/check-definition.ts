import type { z } from "zod";
import type { QuizAttempts } from "../progress/progress-store.ts";
import type { CheckOutcome } from "./check-result.ts";
import type { SwarmHistory } from "./collectors/swarm-history.ts";
import type { LabAccess } from "./lab-access.ts";

/**
 * What a collector may use: the lab, a per-run cache shared by checks, the recorded swarm history,
 * and the quiz attempts the agent graded (both in progress.db).
 */
export interface CheckContext {
  lab: LabAccess;
  /** Collects once per run: checks that read the same thing share one Engine API call. */
  memo<T>(key: string, collect: () => Promise<T>): Promise<T>;
  history: SwarmHistory | undefined;
  quizzes?: QuizAttempts | undefined;
}

/** A kind of Docker object whose events (`GET /events`, `Type`) may change a check's answer. */
export type Trigger = "image" | "container" | "service" | "node" | "secret" | "network";

/**
 * What makes a check's answer change, so the live runner knows when to re-run it. The live
 * runner reads only this: it never guesses from parameter names.
 */
export interface CheckWatches<P> {
  /** Docker object kinds whose events (on laptop or manager-1) concern the check. */
  objects: readonly Trigger[];
  /** Image refs on laptop to poll (BuildKit re-tags an image without an image event). */
  images?: (params: P) => string[];
  /** Workspace files to poll, relative to the workspace (editing a file makes no Docker event). */
  files?: (params: P) => string[];
}

/**
 * A check: collect reads the lab (Engine APIs, registry API, workspace files) and nothing
 * else; evaluate is a pure function of what was collected, so it is unit-tested on recorded JSON.
 */
export interface CheckDefinition<P = unknown, F = unknown> {
  id: string;
  title: string;
  /**
   * snapshot reads state; probe does something on purpose (stop, restart, a scratch copy) and
   * runs only when asked; history needs the past (the swarm history the agent records).
   */
  kind: "snapshot" | "probe" | "history";
  params: z.ZodType<P>;
  watches: CheckWatches<P>;
  collect(ctx: CheckContext, params: P): Promise<F>;
  evaluate(facts: F, params: P): CheckOutcome;
}

export function defineCheck<P, F>(def: CheckDefinition<P, F>): CheckDefinition<P, F> {
  return def;
}
