import { describe, expect, it } from "vitest";
import { ChangeTimes, watchedDeliverables } from "../../src/checks/change-times.ts";
import { BlockResults, CheckResult } from "../../src/course/check-wire.ts";
import { ageText, isStale } from "../../src/course/result-age.ts";
import { loadAllExercises } from "../../src/exercises/load-exercises.ts";

const T = Date.parse("2026-12-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

describe("a result's age", () => {
  it.each([
    [0, "just now"],
    [9_000, "just now"],
    [-30_000, "just now"], // the agent's clock a little ahead of the browser's
    [42_000, "42 s ago"],
    [120_000, "2 min ago"],
    [59 * 60_000, "59 min ago"],
    [3 * 3600_000, "3 h ago"],
    [30 * 3600_000, "yesterday"],
    [5 * 86400_000, "5 days ago"],
  ])("taken %i ms before now reads %s", (before, text) => {
    expect(ageText(iso(T - before), T)).toBe(text);
  });

  it("says so when the time cannot be read", () => {
    expect(ageText("not a time", T)).toBe("at an unknown time");
  });
});

describe("a stale result", () => {
  it.each([
    { name: "no change known", at: iso(T), changed: undefined, stale: false },
    { name: "changed before it was taken", at: iso(T), changed: iso(T - 1000), stale: false },
    { name: "changed at the same instant", at: iso(T), changed: iso(T), stale: false },
    { name: "changed after it was taken", at: iso(T), changed: iso(T + 1), stale: true },
    { name: "changed a day later", at: iso(T), changed: iso(T + 86400_000), stale: true },
    { name: "an unreadable change time", at: iso(T), changed: "soon", stale: false },
  ])("$name: stale is $stale", ({ at, changed, stale }) => {
    expect(isStale(at, changed)).toBe(stale);
  });
});

describe("the lab's last change per deliverable", () => {
  const plan = [
    {
      block: "h03-04",
      deliverable: "dockerfile-multi-stage",
      objects: new Set<string>(),
      images: [],
      files: ["reg-case-platform/Dockerfile"],
      names: [],
    },
    {
      block: "h03-04",
      deliverable: "image-non-root",
      objects: new Set(["image"]),
      images: ["registry:5000/reg-case-platform:dev"],
      files: [],
      names: [],
    },
    {
      block: "h05-06",
      deliverable: "app-handles-sigterm",
      objects: new Set(["container", "image"]),
      images: [],
      files: [],
      names: ["case-api"],
    },
    {
      block: "h15-16",
      deliverable: "services-converged",
      objects: new Set(["service"]),
      images: [],
      files: [],
      names: ["reg-case_"],
    },
    {
      block: "h15-16",
      deliverable: "swarm-initialized",
      objects: new Set(["node"]),
      images: [],
      files: [],
      names: [],
    },
  ];
  const clock = () => T + 60_000;
  const times = () => {
    const c = new ChangeTimes(clock, 0);
    c.setPlan(plan);
    return c;
  };

  it("a saved workspace file changed at its mtime, for the deliverables that read it", () => {
    const c = times();
    c.file("reg-case-platform/Dockerfile", T - 5000);
    expect(c.changedAt("h03-04")).toEqual({ "dockerfile-multi-stage": iso(T - 5000) });
    c.file("reg-case-platform/Dockerfile", T - 5000);
    c.file("reg-case-platform/Dockerfile", T + 1000);
    expect(c.changedAt("h03-04")["dockerfile-multi-stage"]).toBe(iso(T + 1000));
    // Removed: it changed when the poll saw it gone.
    c.file("reg-case-platform/Dockerfile", Number.NaN);
    expect(c.changedAt("h03-04")["dockerfile-multi-stage"]).toBe(iso(clock()));
  });

  it("a file that never existed is no change", () => {
    const c = times();
    c.file("reg-case-platform/Dockerfile", Number.NaN);
    c.file("reg-case-platform/Dockerfile", Number.NaN);
    expect(c.changedAt("h03-04")).toEqual({});
  });

  it("a re-tagged image changed when it was tagged; the first look counts only with a tag time", () => {
    const c = times();
    c.image("registry:5000/reg-case-platform:dev", "sha256:a", "0001-01-01T00:00:00Z");
    expect(c.changedAt("h03-04")).toEqual({});
    c.image("registry:5000/reg-case-platform:dev", "sha256:a", "0001-01-01T00:00:00Z");
    expect(c.changedAt("h03-04")).toEqual({});
    c.image("registry:5000/reg-case-platform:dev", "sha256:b", iso(T + 2000));
    expect(c.changedAt("h03-04")).toEqual({ "image-non-root": iso(T + 2000) });
    // No tag time (an untag: the ref points nowhere): when the poll saw it.
    c.image("registry:5000/reg-case-platform:dev", "-");
    expect(c.changedAt("h03-04")["image-non-root"]).toBe(iso(clock()));
    const fresh = times();
    fresh.image("registry:5000/reg-case-platform:dev", "sha256:b", iso(T - 9000));
    expect(fresh.changedAt("h03-04")).toEqual({ "image-non-root": iso(T - 9000) });
  });

  it("a Docker event counts for the deliverables watching its kind and naming its object", () => {
    const c = times();
    const event = (Type: string, Action: string, name: string, at = T, extra: Record<string, string> = {}) =>
      c.event({ Type, Action, timeNano: at * 1e6, Actor: { Attributes: { name, ...extra } } });
    event("container", "start", "busybox-1");
    event("container", "exec_start: /bin/sh -c node healthcheck.js", "case-api");
    event("container", "resize", "case-api");
    event("container", "die", "case-api-probe", T, { "io.drydock.check": "container.sigterm" });
    expect(c.changedAt("h05-06")).toEqual({});
    event("container", "health_status: unhealthy", "case-api", T + 5);
    expect(c.changedAt("h05-06")).toEqual({ "app-handles-sigterm": iso(T + 5) });
    event("container", "die", "case-api", T + 10);
    expect(c.changedAt("h05-06")).toEqual({ "app-handles-sigterm": iso(T + 10) });
    // An image event does not concern a deliverable that polls its own image ref.
    event("image", "pull", "busybox:latest", T + 20);
    expect(c.changedAt("h03-04")).toEqual({});
    expect(c.changedAt("h05-06")["app-handles-sigterm"]).toBe(iso(T + 20));
    event("service", "update", "other_web", T + 30);
    expect(c.changedAt("h15-16")).toEqual({});
    event("service", "update", "reg-case_case-api", T + 40);
    event("node", "update", "worker-2", T + 50);
    expect(c.changedAt("h15-16")).toEqual({
      "services-converged": iso(T + 40),
      "swarm-initialized": iso(T + 50),
    });
  });

  it("never moves a change time back, and tells subscribers which block moved", () => {
    const c = times();
    const moved: string[] = [];
    c.subscribe((block) => moved.push(block));
    c.file("reg-case-platform/Dockerfile", T);
    c.event({ Type: "node", Action: "update", time: (T - 100_000) / 1000 });
    c.event({ Type: "node", Action: "update", time: (T + 100_000) / 1000 });
    c.event({ Type: "node", Action: "update", time: T / 1000 });
    expect(c.changedAt("h15-16")["swarm-initialized"]).toBe(iso(T + 100_000));
    expect(moved).toEqual(["h03-04", "h15-16", "h15-16"]);
  });

  it("tells subscribers once per block for a burst of changes", async () => {
    const c = new ChangeTimes(clock, 20);
    c.setPlan(plan);
    const moved: string[] = [];
    c.subscribe((block) => moved.push(block));
    for (let i = 1; i <= 30; i++) c.event({ Type: "node", Action: "update", time: T / 1000 + i });
    c.file("reg-case-platform/Dockerfile", T);
    expect(moved).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(moved.sort()).toEqual(["h03-04", "h15-16"]);
    c.everything();
    expect(Object.values(c.changedAt("h03-04"))).toEqual([iso(clock()), iso(clock())]);
  });

  it("is planned from the exercises: what each check reads", () => {
    const plan = watchedDeliverables(loadAllExercises());
    const of = (id: string) => plan.find((w) => w.deliverable === id);
    expect(of("dockerfile-multi-stage")?.files).toEqual(["reg-case-platform/Dockerfile"]);
    expect(of("image-non-root")?.images).toEqual(["registry:5000/reg-case-platform:dev"]);
    expect(of("app-handles-sigterm")?.names).toEqual(["case-api"]);
    expect([...(of("app-handles-sigterm")?.objects ?? [])]).toContain("container");
    expect(of("stack-deployed")?.files).toEqual(["reg-case-platform/stack.yml"]);
    expect(of("stack-deployed")?.names).toEqual(["reg-case_"]);
  });
});

describe("the wire schema", () => {
  it("the agent's stored result and a block's results parse with changedAt, and without", () => {
    const result = {
      id: "image-non-root",
      check: "image.user.nonroot",
      block: "h03-04",
      status: "pass",
      summary: "runs as node",
      evidence: [{ source: "GET /images/{name}/json", field: "Config.User", observed: "node" }],
      durationMs: 3,
      waits: false,
      at: iso(T),
    };
    expect(CheckResult.parse(result)).toEqual(result);
    const body = { block: "h03-04", results: [result], changedAt: { "image-non-root": iso(T + 1) } };
    expect(BlockResults.parse({ ...body, lab: "default", deliverables: [] })).toEqual(body);
    expect(BlockResults.parse({ block: "h03-04", results: [] }).changedAt).toBeUndefined();
    expect(BlockResults.safeParse({ ...body, changedAt: { x: 1 } }).success).toBe(false);
  });
});
