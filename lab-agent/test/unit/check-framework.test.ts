import { join } from "node:path";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { collectFailure } from "../../src/checks/check-failure.ts";
import { CHECKS } from "../../src/checks/check-registry.ts";
import type { LabAccess } from "../../src/checks/lab-access.ts";
import { blocksForEvent, watchPlan } from "../../src/checks/live-watcher.ts";
import { runBlock } from "../../src/checks/run-checks.ts";
import { DrydockError, ErrorCode } from "../../src/common/errors.ts";
import { type LoadedExercise, loadExercise } from "../../src/exercises/load-exercises.ts";

/** A lab whose every read fails with `err`. */
function failingLab(err: unknown): LabAccess {
  return {
    lab: "t",
    workspace: "/nonexistent-drydock-workspace",
    host: {} as Docker,
    engine: () => Promise.reject(err),
    registry: () => Promise.reject(err),
  };
}

function oneDeliverable(block: string, id: string): LoadedExercise {
  const ex = loadExercise(block);
  return {
    ...ex,
    deliverables: ex.deliverables.filter((d) => d.id === id).map((d) => ({ ...d, needs: [] })),
  };
}

describe("typed check failures", () => {
  it("a DrydockError from a collector keeps its own message and hint: the lab did not answer", async () => {
    const err = new DrydockError(ErrorCode.nodeEngine, 'laptop is not running in lab "t".', {
      hint: "Run `drydock lab up --lab t` first.",
    });
    const run = await runBlock({
      lab: failingLab(err),
      exercise: oneDeliverable("h03-04", "image-non-root"),
    });
    expect(run.results[0]).toMatchObject({
      status: "error",
      failure: "lab-unreachable",
      summary: 'laptop is not running in lab "t".',
      hint: "Run `drydock lab up --lab t` first.",
    });
  });

  it("a refused connection is the lab not answering, with what to do", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:2376"), { code: "ECONNREFUSED" });
    expect(collectFailure(err, "image.user.nonroot")).toMatchObject({
      failure: "lab-unreachable",
      summary: "Could not read the lab: connect ECONNREFUSED 127.0.0.1:2376",
      hint: expect.stringContaining("drydock lab status"),
    });
    const status = Object.assign(new Error("(HTTP code 500) server error"), { statusCode: 500 });
    expect(collectFailure(status, "x").failure).toBe("lab-unreachable");
    const wrapped = new Error("fetch failed", { cause: { code: "UND_ERR_SOCKET" } });
    expect(collectFailure(wrapped, "x").failure).toBe("lab-unreachable");
  });

  it("any other exception is a checker bug, never blamed on the lab or the learner", async () => {
    expect(collectFailure(new TypeError("x.map is not a function"), "image.user.nonroot")).toMatchObject({
      failure: "checker-bug",
      summary: expect.stringMatching(/image\.user\.nonroot .*a bug in Drydock.*x\.map is not a function/),
    });
    const run = await runBlock({
      lab: failingLab(new TypeError("boom")),
      exercise: oneDeliverable("h03-04", "image-non-root"),
    });
    expect(run.results[0]).toMatchObject({ status: "error", failure: "checker-bug" });
  });

  it("a parameter the check refuses is a bad parameter, naming the exercise file and the path in it", async () => {
    const ex = oneDeliverable("h03-04", "image-non-root");
    const bad: LoadedExercise = {
      ...ex,
      deliverables: ex.deliverables.map((d) => ({ ...d, check: { ...d.check, params: { image: 42 } } })),
    };
    const [r] = (await runBlock({ lab: failingLab(new Error("unread")), exercise: bad })).results;
    expect(r).toMatchObject({ status: "error", failure: "bad-parameter" });
    expect(r?.summary).toContain(
      `${join("exercises", "h03-04", "exercise.yaml")} at deliverables.0.check.params.image`,
    );
    expect(r?.hint).toContain("exercises/h03-04/exercise.yaml");
  });

  it("--only runs those deliverables and what they need, and refuses ids the block does not have", async () => {
    const lab = failingLab(new DrydockError(ErrorCode.nodeEngine, "down"));
    const exercise = loadExercise("h03-04");
    const run = await runBlock({ lab, exercise, only: ["image-read-only-ready"], ignoreNeeds: true });
    expect(run.results.map((r) => r.id)).toEqual(["image-healthcheck", "image-read-only-ready"]);
    await expect(runBlock({ lab, exercise, only: ["image-nonroot"] })).rejects.toThrow(
      /No deliverable image-nonroot/,
    );
  });
});

describe("what the live runner watches", () => {
  it("reads only the checks' declared watches, leaving probes out", () => {
    const plan = watchPlan(["h03-04", "h15-16"]);
    const h0304 = plan.find((w) => w.block === "h03-04");
    expect(h0304?.images).toEqual(["registry:5000/reg-case-platform:dev"]);
    expect(h0304?.files).toEqual(["reg-case-platform/Dockerfile"]);
    expect([...(h0304?.objects ?? [])]).toEqual(["image"]);
    const h1516 = plan.find((w) => w.block === "h15-16");
    expect(h1516?.files).toEqual(["reg-case-platform/stack.yml"]);
    expect([...(h1516?.objects ?? [])].sort()).toEqual(["container", "node", "secret", "service"]);
  });

  it("maps a Docker event to the blocks that watch its object kind, ignoring Drydock's own probes", () => {
    const plan = watchPlan(["h03-04", "h05-06", "h15-16"]);
    expect(blocksForEvent(plan, JSON.stringify({ Type: "image", Action: "tag" }))).toEqual(["h03-04"]);
    // A task's container dying on manager-1 may mean a restarting service: h15-16 hears it too.
    expect(blocksForEvent(plan, JSON.stringify({ Type: "container", Action: "die" }))).toEqual([
      "h05-06",
      "h15-16",
    ]);
    expect(blocksForEvent(plan, JSON.stringify({ Type: "secret", Action: "create" }))).toEqual(["h15-16"]);
    const probe = { Type: "container", Actor: { Attributes: { "io.drydock.check": "probe" } } };
    expect(blocksForEvent(plan, JSON.stringify(probe))).toEqual([]);
    expect(blocksForEvent(plan, "not json")).toEqual([]);
  });

  it("every check declares its watches, and only probes may watch nothing", () => {
    for (const def of CHECKS.values()) {
      expect(["snapshot", "probe", "history"], def.id).toContain(def.kind);
      if (def.kind !== "probe") {
        const watched =
          def.watches.objects.length + (def.watches.files ? 1 : 0) + (def.watches.images ? 1 : 0);
        expect(watched, def.id).toBeGreaterThan(0);
      }
    }
  });
});
