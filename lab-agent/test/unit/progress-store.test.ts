import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/checks/check-result.ts";
import { CheckService } from "../../src/checks/check-service.ts";
import type { SwarmService } from "../../src/checks/collectors/collect-swarm.ts";
import { diffServices } from "../../src/checks/collectors/swarm-history.ts";
import { ProgressStore } from "../../src/progress/progress-store.ts";

const result = (id: string, status: CheckResult["status"], at: string): CheckResult => ({
  id,
  check: "image.user.nonroot",
  block: "h03-04",
  status,
  summary: `${id} ${status}`,
  evidence: [
    {
      source: "laptop: GET /images/{name}/json",
      field: "Config.User",
      observed: status === "pass" ? "node" : "root",
    },
  ],
  durationMs: 12,
  waits: false,
  at,
});

describe("progress store (SQLite in DRYDOCK_HOME)", () => {
  it("keeps every run and returns the latest result per deliverable, also after a restart", () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-store-"));
    const first = new ProgressStore(home);
    first.saveRun(
      {
        lab: "l",
        block: "h03-04",
        startedAt: "t1",
        durationMs: 5,
        results: [result("a", "fail", "t1"), result("b", "fail", "t1")],
      },
      "cli",
    );
    first.saveRun(
      { lab: "l", block: "h03-04", startedAt: "t2", durationMs: 5, results: [result("a", "pass", "t2")] },
      "event",
    );
    first.saveRun(
      {
        lab: "other",
        block: "h03-04",
        startedAt: "t3",
        durationMs: 5,
        results: [result("a", "error", "t3")],
      },
      "cli",
    );
    first.close();
    const again = new ProgressStore(home);
    const latest = again.latest("l", "h03-04").sort((x, y) => x.id.localeCompare(y.id));
    expect(latest.map((r) => [r.id, r.status, r.at])).toEqual([
      ["a", "pass", "t2"],
      ["b", "fail", "t1"],
    ]);
    expect(latest[0]?.evidence[0]?.observed).toBe("node");
    again.close();
  });

  it("records swarm history per lab and service, in order", () => {
    const store = new ProgressStore(mkdtempSync(join(tmpdir(), "drydock-store-")));
    const e = {
      at: "t",
      service: "reg-case_case-api",
      kind: "update-state" as const,
      old: "updating",
      new: "rollback_started",
      message: "update rolled back due to failure or early termination of task x",
      image: "img@sha256:1",
    };
    store.record("l", e);
    store.record("l", { ...e, new: "rollback_completed", message: "rollback completed" });
    store.record("l2", e);
    expect(store.events("l", "reg-case_case-api").map((x) => x.new)).toEqual([
      "rollback_started",
      "rollback_completed",
    ]);
    store.close();
  });
});

describe("swarm history diff", () => {
  const svc = (state: string | undefined, message: string | undefined, image: string): SwarmService => ({
    ID: "s1",
    Spec: { Name: "reg-case_case-api", TaskTemplate: { ContainerSpec: { Image: image } } },
    ...(state ? { UpdateStatus: { State: state, ...(message ? { Message: message } : {}) } } : {}),
  });
  it("records image changes and UpdateStatus transitions, keeping the automatic-rollback message", () => {
    const seen = new Map();
    expect(diffServices(seen, [svc(undefined, undefined, "a@sha256:1")], "t0")).toEqual([]);
    const update = diffServices(seen, [svc("updating", "update in progress", "a@sha256:2")], "t1");
    expect(update.map((e) => `${e.kind} ${e.old}→${e.new}`)).toEqual([
      "image a@sha256:1→a@sha256:2",
      "update-state null→updating",
    ]);
    const rollback = diffServices(
      seen,
      [
        svc(
          "rollback_started",
          "update rolled back due to failure or early termination of task x",
          "a@sha256:1",
        ),
      ],
      "t2",
    );
    expect(rollback.find((e) => e.kind === "update-state")?.message).toMatch(
      /^update rolled back due to failure/,
    );
    expect(
      diffServices(
        seen,
        [
          svc(
            "rollback_started",
            "update rolled back due to failure or early termination of task x",
            "a@sha256:1",
          ),
        ],
        "t3",
      ),
    ).toEqual([]);
  });
});

describe("check service pushes", () => {
  it("a run stored by another process reaches the block's subscribers, once, and not other blocks'", async () => {
    const home = mkdtempSync(join(tmpdir(), "drydock-push-"));
    // No lab is touched: subscribe() only reads the store (watch() is never called here).
    const service = new CheckService({ docker: {} as Docker, lab: "l", home });
    const pushed: CheckResult[][] = [];
    const other: CheckResult[][] = [];
    const stop = service.subscribe("h03-04", (r) => pushed.push(r));
    const stopOther = service.subscribe("h05-06", (r) => other.push(r));
    const cli = new ProgressStore(home);
    try {
      cli.saveRun(
        { lab: "l", block: "h03-04", startedAt: "t1", durationMs: 5, results: [result("a", "fail", "t1")] },
        "cli",
      );
      await expect.poll(() => pushed.length, { timeout: 5_000 }).toBe(1);
      expect(pushed[0]?.map((r) => [r.id, r.status])).toEqual([["a", "fail"]]);
      // Another lab's run is not this lab's news.
      cli.saveRun(
        { lab: "m", block: "h03-04", startedAt: "t2", durationMs: 5, results: [result("a", "pass", "t2")] },
        "cli",
      );
      await new Promise((r) => setTimeout(r, 2_500));
      expect(pushed).toHaveLength(1);
      expect(other).toHaveLength(0);
    } finally {
      stop();
      stopOther();
      cli.close();
      service.close();
    }
  });
});
