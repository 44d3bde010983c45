import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { DrydockError } from "../common/errors.ts";
import type { SnapService, SnapTask } from "./drill-types.ts";
import { resourcesPart, rollOut } from "./service-updates.ts";

// What Swarm reports while a restore rolls out, in the order a real manager answers: right after
// the update the status is empty and the old tasks still run; on a loaded host the new task can
// miss its monitor window and Swarm puts the previous spec back (rollback_completed).
const LIMIT_OF = { restored: 268435456, learner: 218103808 };
const resources = (mem: number) => ({ Limits: { MemoryBytes: mem } });
const service = (mem: number, state?: string): SnapService => ({
  ID: "svc",
  Spec: { Mode: { Replicated: { Replicas: 2 } }, TaskTemplate: { Resources: resources(mem) } },
  ...(state ? { UpdateStatus: { State: state } } : {}),
});
const task = (id: string, mem: number, state = "running"): SnapTask => ({
  ID: id,
  ServiceID: "svc",
  DesiredState: "running",
  Spec: { Resources: resources(mem) },
  Status: { State: state },
});

/**
 * A manager that answers each inspect with the next scripted service (the last one stays), its
 * task list with the tasks of the step inspected last, and counts the updates sent to it.
 */
function scripted(steps: Array<{ svc: SnapService; tasks: SnapTask[] }>, onUpdate: () => void) {
  let i = 0;
  const manager = {
    getService: () => ({
      inspect: async () => {
        const s = steps[Math.min(i, steps.length - 1)] as (typeof steps)[number];
        i++;
        // A fresh copy, as an engine answers: the restore edits what it read.
        return { Version: { Index: i }, ...structuredClone(s.svc) };
      },
      update: async () => onUpdate(),
    }),
    listTasks: async () => steps[Math.min(i - 1, steps.length - 1)]?.tasks ?? [],
  } as unknown as Docker;
  return manager;
}

const restored = resourcesPart(resources(LIMIT_OF.restored));
const quick = { ms: 2000, pollMs: 1 };
/** What the restore reads first: the learner's limit, which it replaces. */
const before = { svc: service(LIMIT_OF.learner, "completed"), tasks: [] };

describe("rollOut (a drill's restore, rolled out)", () => {
  it("waits past the empty status and the old tasks until every task runs the restored spec", async () => {
    let applied = 0;
    const manager = scripted(
      [
        before,
        // The update accepted: spec restored, no status yet, the learner's tasks still run.
        {
          svc: service(LIMIT_OF.restored),
          tasks: [task("a", LIMIT_OF.learner), task("b", LIMIT_OF.learner)],
        },
        {
          svc: service(LIMIT_OF.restored, "updating"),
          tasks: [task("a", LIMIT_OF.learner), task("c", LIMIT_OF.restored, "starting")],
        },
        // Completed, but a task still starting: not yet.
        {
          svc: service(LIMIT_OF.restored, "completed"),
          tasks: [task("c", LIMIT_OF.restored), task("d", LIMIT_OF.restored, "starting")],
        },
        {
          svc: service(LIMIT_OF.restored, "completed"),
          tasks: [task("c", LIMIT_OF.restored), task("d", LIMIT_OF.restored)],
        },
      ],
      () => applied++,
    );
    await rollOut(manager, "svc", restored, "its resources", quick);
    expect(applied).toBe(1);
  });

  it("applies the restore again when Swarm rolled it back to the learner's limit", async () => {
    let applied = 0;
    const learners = [task("a", LIMIT_OF.learner), task("b", LIMIT_OF.learner)];
    const manager = scripted(
      [
        before,
        { svc: service(LIMIT_OF.restored, "updating"), tasks: learners },
        // Swarm is still rolling back: nothing to do until it has finished.
        { svc: service(LIMIT_OF.learner, "rollback_started"), tasks: learners },
        { svc: service(LIMIT_OF.learner, "rollback_completed"), tasks: learners },
        // Read again by the restore, which applies it once more.
        { svc: service(LIMIT_OF.learner, "rollback_completed"), tasks: learners },
        { svc: service(LIMIT_OF.restored, "updating"), tasks: learners },
        {
          svc: service(LIMIT_OF.restored, "completed"),
          tasks: [task("c", LIMIT_OF.restored), task("d", LIMIT_OF.restored)],
        },
      ],
      () => applied++,
    );
    await rollOut(manager, "svc", restored, "its resources", quick);
    expect(applied).toBe(2);
  });

  it("fails with what it saw, and what to do, when the restore never rolls out", async () => {
    const manager = scripted(
      [
        {
          svc: service(LIMIT_OF.restored, "completed"),
          tasks: [task("c", LIMIT_OF.restored), task("d", LIMIT_OF.restored, "failed")],
        },
      ],
      () => {},
    );
    const err = await rollOut(manager, "svc", restored, "its resources", { ms: 50, pollMs: 5 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DrydockError);
    expect((err as DrydockError).message).toMatch(/svc did not take its resources back within 0.05 s/);
    expect((err as DrydockError).message).toMatch(/1 of 2 task\(s\) run with it, update completed/);
    expect((err as DrydockError).hint).toMatch(/docker service ps --no-trunc svc.*stop again/);
  });

  it("gives up re-applying after four tries, so a restore Swarm always refuses ends in an error", async () => {
    let applied = 0;
    const manager = scripted(
      [{ svc: service(LIMIT_OF.learner, "rollback_completed"), tasks: [] }],
      () => applied++,
    );
    await expect(rollOut(manager, "svc", restored, "its resources", { ms: 100, pollMs: 1 })).rejects.toThrow(
      /applied 4 time\(s\); update rollback_completed/,
    );
    expect(applied).toBe(4);
  });
});
