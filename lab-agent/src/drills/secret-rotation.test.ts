import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { copy } from "./drill-fixtures.ts";
import { type DrillFacts, DrillRun, type SwarmSnapshot, TimelineEvent } from "./drill-types.ts";
import { findValues, needlesFor, verifyRotation } from "./secret-rotation.ts";

// Recorded on a real lab (h15-16 solved): `drydock drill secret-rotation start` moved case-api and
// worker from database_url to database_url_v2 (a test role), then `stop` moved them back.
const dir = join(import.meta.dirname, "fixtures", "secret-rotation");
const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
const lines = (f: string) =>
  readFileSync(join(dir, f), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => TimelineEvent.parse(JSON.parse(l)));
const nodes = json("nodes.json") as SwarmSnapshot["nodes"];
const active: DrillFacts = {
  run: DrillRun.parse(json("run.json")),
  timeline: lines("timeline.jsonl"),
  snapshot: {
    services: json("services.inspect.json"),
    tasks: json("tasks.json"),
    nodes,
    secrets: json("secrets.json"),
  },
};
const stopped: DrillFacts = {
  run: DrillRun.parse(json("run.stopped.json")),
  timeline: lines("timeline.stopped.jsonl"),
  snapshot: {
    services: json("services.after-stop.json"),
    tasks: json("tasks.after-stop.json"),
    nodes,
    secrets: json("secrets.after-stop.json"),
  },
};
const svc = (s: SwarmSnapshot, short: string) => s.services.find((x) => x.Spec.Name === `reg-case_${short}`);
const liveOf = (s: SwarmSnapshot, short: string) =>
  s.tasks.filter(
    (t) => t.ServiceID === svc(s, short)?.ID && t.DesiredState === "running" && t.Status?.State === "running",
  );
const variant = (from: DrillFacts, edit: (f: DrillFacts) => void) => {
  const f = copy(from);
  edit(f);
  return f;
};
const prober = (f: DrillFacts, ok: number, failed: number) => {
  const b = f.run.proberBaseline;
  if (!b) throw new Error("no baseline");
  f.run.prober = { ...b, ok: b.ok + ok, fail: b.fail + failed, byAddress: {} };
};
const at = (f: DrillFacts, name: string) =>
  f.timeline.find((e) => e.kind === "update" && e.service === `reg-case_${name}` && e.state === "completed")
    ?.at ?? "";
const shift = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString();
const removeOld = (f: DrillFacts, when: string) => {
  f.snapshot.secrets = f.snapshot.secrets.filter((x) => x.Spec?.Name !== "database_url");
  f.timeline.push({
    at: when,
    source: "manager-1",
    kind: "secret",
    action: "remove",
    message: "database_url",
  });
  f.timeline.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
};
const onOld = (f: DrillFacts, short: string) => {
  const s = svc(f.snapshot, short);
  const old = copy(s?.PreviousSpec?.TaskTemplate?.ContainerSpec?.Secrets ?? []);
  if (s?.Spec.TaskTemplate?.ContainerSpec) s.Spec.TaskTemplate.ContainerSpec.Secrets = old;
  for (const t of liveOf(f.snapshot, short))
    if (t.Spec?.ContainerSpec) t.Spec.ContainerSpec.Secrets = copy(old);
};
const logScan = (f: DrillFacts, text: string) => {
  const scan = f.run.params.logScan as { hits: unknown[] };
  const needles = needlesFor({
    oldUrl: "postgres://case:case-swarm-pw@postgres:5432/case",
    oldPassword: "case-swarm-pw",
    newUrl: `postgres://${f.run.params.role}:5f0c3a9d2e7b41c8a6d09e3f7b2c1a48@postgres:5432/case`,
    newPassword: "5f0c3a9d2e7b41c8a6d09e3f7b2c1a48",
  });
  scan.hits = findValues(text, needles).map((h) => ({
    service: "reg-case_worker",
    task: "x".repeat(25),
    node: "worker-1",
    ...h,
  }));
};

const cases: Array<{ name: string; facts: DrillFacts; fails: string[]; errors?: string[] }> = [
  { name: "recorded: both consumers on v2, old kept, nothing leaked, app served", facts: active, fails: [] },
  { name: "recorded after stop: both back on database_url, the test secret gone", facts: stopped, fails: [] },
  {
    name: "two failed requests while an old case-api task stopped",
    facts: variant(active, (f) => prober(f, 300, 2)),
    fails: [],
  },
  {
    name: "the app logs the URL masked, as pino's redaction does",
    facts: variant(active, (f) =>
      logScan(
        f,
        `{"level":30,"msg":"worker started","database":"postgres://${f.run.params.role}:***@postgres:5432/case"}`,
      ),
    ),
    fails: [],
  },
  {
    name: "the old secret removed after every rollout completed (the rollback path is gone)",
    facts: variant(active, (f) =>
      removeOld(f, shift([at(f, "case-api"), at(f, "worker")].sort().at(-1) ?? "", 5)),
    ),
    fails: ["rollback-restores"],
  },
  {
    name: "the old secret removed while case-api was still rolling out",
    facts: variant(active, (f) => removeOld(f, shift(f.run.injectedAt ?? "", 3))),
    fails: ["old-secret-kept", "rollback-restores"],
  },
  {
    name: "worker shares the secret but was not rotated",
    facts: variant(active, (f) => {
      onOld(f, "worker");
      f.run.params.consumers = ["reg-case_case-api", "reg-case_worker"];
    }),
    fails: ["all-sharers-rotated"],
  },
  {
    name: "worker has DATABASE_URL in its environment (no secret to rotate)",
    facts: variant(active, (f) => {
      const env = svc(f.snapshot, "worker")?.Spec.TaskTemplate?.ContainerSpec?.Env;
      env?.push("DATABASE_URL=postgres://case:case-swarm-pw@postgres:5432/case");
    }),
    fails: ["all-sharers-rotated"],
  },
  {
    name: "the new URL printed by a debug line in worker's log",
    facts: variant(active, (f) =>
      logScan(
        f,
        `starting\nDEBUG db=postgres://${f.run.params.role}:5f0c3a9d2e7b41c8a6d09e3f7b2c1a48@postgres:5432/case\n`,
      ),
    ),
    fails: ["no-secret-in-logs"],
  },
  {
    name: "postgres redeployed during the rotation (every service updated, not only the consumers)",
    facts: variant(active, (f) => {
      f.timeline.push({
        at: shift(f.run.injectedAt ?? "", 4),
        source: "manager-1",
        kind: "service",
        service: "reg-case_postgres",
        action: "image",
        message: "image: postgres:17 → postgres:17.2",
      });
    }),
    fails: ["only-intended-updated"],
  },
  {
    name: "case-api's update rolled back: its new tasks could not log in with the test credential",
    facts: variant(active, (f) => {
      onOld(f, "case-api");
      const s = svc(f.snapshot, "case-api");
      if (s) s.UpdateStatus = { State: "rollback_completed", Message: "rollback completed" };
      f.run.params.ready = (f.run.params.ready as Array<{ service: string; result: string }>).map((r) =>
        r.service === "reg-case_case-api"
          ? {
              ...r,
              result: `503 {"status":"not_ready","checks":{"postgres":"error: password authentication failed for user \\"${f.run.params.role}\\""}}`,
            }
          : r,
      );
    }),
    fails: ["all-sharers-rotated"],
  },
  {
    name: "a third of the requests failed while the services moved",
    facts: variant(active, (f) => prober(f, 100, 50)),
    fails: ["app-kept-serving"],
  },
];

describe("secret-rotation verification", () => {
  it.each(cases)("$name", ({ facts, fails, errors = [] }) => {
    const items = verifyRotation(facts);
    const text = items.map((i) => `${i.id}: ${i.status} ${i.summary}`).join("\n");
    expect(
      items.filter((i) => i.status === "fail").map((i) => i.id),
      text,
    ).toEqual(fails);
    expect(
      items.filter((i) => i.status === "error").map((i) => i.id),
      text,
    ).toEqual(errors);
    for (const i of items) expect(i.evidence.length, i.id).toBeGreaterThan(0);
    // Evidence never carries a credential.
    expect(JSON.stringify(items)).not.toMatch(/case-swarm-pw|5f0c3a9d2e7b41c8a6d09e3f7b2c1a48/);
  });

  it("says it cannot tell when the recorded run has no consumers", () => {
    const f = variant(active, (x) => {
      x.run.params.consumers = [];
    });
    expect(verifyRotation(f).map((i) => i.status)).toEqual(["error"]);
  });
});
