import { join } from "node:path";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import type { DeliverableSpec } from "../exercises/exercise-schema.ts";
import type { LoadedExercise } from "../exercises/load-exercises.ts";
import type { QuizAttempts } from "../progress/progress-store.ts";
import type { CheckContext } from "./check-definition.ts";
import { badParameter, type CheckFailure, checkerBug, collectFailure } from "./check-failure.ts";
import { type AnyCheck, CHECKS } from "./check-registry.ts";
import { type BlockRun, CheckOutcome, type CheckResult } from "./check-result.ts";
import type { SwarmHistory } from "./collectors/swarm-history.ts";
import type { LabAccess } from "./lab-access.ts";
import { reapLab } from "./probes/reaper.ts";

export interface RunOptions {
  lab: LabAccess;
  exercise: LoadedExercise;
  history?: SwarmHistory;
  /** The graded quiz attempts (progress.db), for `model.quiz`. */
  quizzes?: QuizAttempts;
  /** Run only these deliverables (their needs run too). */
  only?: readonly string[];
  /** Run every check even when a need did not pass (`drydock check --all`). */
  ignoreNeeds?: boolean;
}

/**
 * Runs a block's checks: each starts as soon as the deliverables it needs have passed, and
 * checks reading the same thing share one collection. A need that did not pass skips it.
 */
export async function runBlock(opts: RunOptions): Promise<BlockRun> {
  const { exercise } = opts;
  const startedAt = new Date();
  const t0 = performance.now();
  // Scratch objects of a checker killed mid-probe go first (the reaper keeps live runs' probes).
  await reapLab((role) => opts.lab.engine(role), ["laptop"]);
  const cache = new Map<string, Promise<unknown>>();
  const ctx: CheckContext = {
    lab: opts.lab,
    history: opts.history,
    quizzes: opts.quizzes,
    memo: <T>(key: string, collect: () => Promise<T>) => {
      let p = cache.get(key) as Promise<T> | undefined;
      if (!p) {
        p = collect();
        cache.set(key, p);
      }
      return p;
    },
  };
  const wanted = selectWithNeeds(exercise.deliverables, opts.only);
  const running = new Map<string, Promise<CheckResult>>();
  for (const d of exercise.deliverables) {
    if (!wanted.has(d.id)) continue;
    const needs = d.needs.map((n) => running.get(n) as Promise<CheckResult>);
    running.set(
      d.id,
      Promise.all(needs).then((before) => {
        const blocked = before.filter((r) => r.status !== "pass");
        if (blocked.length > 0 && !opts.ignoreNeeds) return skipped(exercise.block, d, blocked);
        return runOne(ctx, exercise, d);
      }),
    );
  }
  const results = await Promise.all(running.values());
  return {
    lab: opts.lab.lab,
    block: exercise.block,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - t0,
    results,
  };
}

function selectWithNeeds(all: readonly DeliverableSpec[], only: readonly string[] | undefined): Set<string> {
  if (!only) return new Set(all.map((d) => d.id));
  const byId = new Map(all.map((d) => [d.id, d]));
  const unknown = only.filter((id) => !byId.has(id));
  if (unknown.length > 0) {
    throw new DrydockError(ErrorCode.usage, `No deliverable ${unknown.join(", ")} in this block.`, {
      hint: `Its deliverables: ${all.map((d) => d.id).join(", ")}.`,
    });
  }
  const out = new Set<string>();
  const add = (id: string) => {
    if (out.has(id)) return;
    out.add(id);
    for (const n of byId.get(id)?.needs ?? []) add(n);
  };
  for (const id of only) add(id);
  return out;
}

async function runOne(ctx: CheckContext, exercise: LoadedExercise, d: DeliverableSpec): Promise<CheckResult> {
  const def = CHECKS.get(d.check.id);
  const t0 = performance.now();
  const base = { id: d.id, check: d.check.id, block: exercise.block, waits: def?.kind === "probe" };
  const outcome = await judge(ctx, exercise, d, def);
  const hint = outcome.status === "pass" ? undefined : "failure" in outcome ? outcome.hint : d.hint;
  return {
    ...base,
    status: outcome.status,
    summary: outcome.summary,
    evidence: outcome.evidence,
    ...("failure" in outcome ? { failure: outcome.failure } : {}),
    ...(hint ? { hint } : {}),
    durationMs: performance.now() - t0,
    at: new Date().toISOString(),
  };
}

/**
 * Parses the parameters, collects, evaluates. Each stage fails in its own way (check-failure.ts):
 * a parameter the check refuses, a lab that did not answer, a checker that threw.
 */
async function judge(
  ctx: CheckContext,
  exercise: LoadedExercise,
  d: DeliverableSpec,
  def: AnyCheck | undefined,
): Promise<CheckOutcome | (CheckOutcome & CheckFailure)> {
  const failed = (f: CheckFailure): CheckOutcome & CheckFailure => ({ ...f, status: "error", evidence: [] });
  if (!def) return failed(checkerBug(new Error(`no check has the id ${d.check.id}`), d.check.id));
  const where = { file: join(exercise.dir, "exercise.yaml"), index: exercise.deliverables.indexOf(d) };
  const params = def.params.safeParse(d.check.params);
  if (!params.success) return failed(badParameter(params.error, def.id, where));
  let facts: unknown;
  try {
    facts = await def.collect(ctx, params.data);
  } catch (err) {
    return failed(collectFailure(err, def.id));
  }
  let outcome: CheckOutcome;
  try {
    outcome = CheckOutcome.parse(def.evaluate(facts, params.data));
  } catch (err) {
    return failed(checkerBug(err, def.id));
  }
  // "Found nothing wrong" is not a pass: a pass must show what it read.
  if (outcome.status === "pass" && outcome.evidence.length === 0)
    return failed(checkerBug(new Error("it passed without evidence"), def.id));
  return outcome;
}

function skipped(block: string, d: DeliverableSpec, blocked: CheckResult[]): CheckResult {
  return {
    id: d.id,
    check: d.check.id,
    block,
    status: "skipped",
    summary: `Skipped: needs ${blocked.map((b) => `${b.id} (${b.status})`).join(", ")} to pass first.`,
    evidence: [],
    hint: `Make ${blocked.map((b) => b.id).join(", ")} pass first.`,
    durationMs: 0,
    waits: false,
    at: new Date().toISOString(),
  };
}
