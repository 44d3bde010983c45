import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BlockRun, CheckResult } from "../../src/checks/check-result.ts";
import { api, awaitServerEvent, startAgent } from "../support/agent-client.ts";
import { checkLab, evidenceText, expectAllFail, result } from "../support/check-lab.ts";

const PushedResults = z.object({ block: z.literal("h03-04"), results: z.array(CheckResult) });

// One lab for the block: fresh → solved → each realistic mistake → solved again.
const t = checkLab("ck34");
const DELIVERABLES = [
  "dockerfile-multi-stage",
  "build-cache-ordered",
  "image-non-root",
  "image-oci-labels",
  "image-healthcheck",
  "runtime-image-lean",
  "no-secrets-in-image",
  "image-read-only-ready",
];

beforeAll(async () => {
  await t.up();
});
afterAll(async () => {
  await t.down();
});

describe.sequential(`h03-04 checks on lab ${t.lab}`, () => {
  it("fail on a fresh lab, with the missing Dockerfile and image as evidence", async () => {
    const run = await t.check("h03-04");
    expect(run.results.map((r) => r.id)).toEqual(DELIVERABLES);
    for (const r of run.results) {
      if (r.id === "image-read-only-ready") {
        expect(r.status).toBe("skipped");
        expect(r.summary).toContain("needs image-healthcheck (fail)");
      } else {
        expect(r.status, r.id).toBe("fail");
        expect(r.hint).toBeTruthy();
      }
    }
    expect(evidenceText(result(run, "dockerfile-multi-stage"))).toContain("no such file");
    expect(evidenceText(result(run, "image-non-root"))).toContain("404");
    // With --all, the check that waited fails on its own evidence too.
    const all = await t.check("h03-04", { all: true });
    expectAllFail(all, /no such file|404/);
    expect(evidenceText(result(all, "image-read-only-ready"))).toContain("404");
  });

  it("all pass after `drydock solve h03-04`, each with positive evidence", async () => {
    await t.solve("h03-04");
    const run = await t.check("h03-04");
    for (const r of run.results) {
      expect(r.status, `${r.id}: ${r.summary}`).toBe("pass");
      expect(r.evidence.length).toBeGreaterThan(0);
    }
    expect(evidenceText(result(run, "image-non-root"))).toContain('Config.User="node"');
    expect(evidenceText(result(run, "image-non-root"))).toContain("resolved uid=1000");
    expect(evidenceText(result(run, "image-read-only-ready"))).toContain('State.Health.Status="healthy"');
    expect(result(run, "image-read-only-ready").waits).toBe(true);
  });

  const mistakes: Array<[string, RegExp, RegExp]> = [
    ["dockerfile-multi-stage", /1 stage/, /FROM node:20-slim/],
    ["build-cache-ordered", /copies \. before the dependency install/, /line \d+: \./],
    ["image-non-root", /runs as root/, /Config.User="root"/],
    [
      "image-oci-labels",
      /Missing or inherited OCI labels: org\.opencontainers\.image\.title/,
      /image\.title"\]="node:20-slim \(Drydock/,
    ],
    ["image-healthcheck", /declares no HEALTHCHECK/, /Config.Healthcheck.Test=null/],
    [
      "runtime-image-lean",
      /build tools: \/app\/node_modules\/typescript/,
      /node_modules\/typescript: present/,
    ],
    ["no-secrets-in-image", /DATABASE_URL/, /DATABASE_URL="ca…t \(\d+ chars\)"|DATABASE_URL/],
    ["image-read-only-ready", /exited \(code \d+\)|Not healthy/, /Read-only file system|ReadonlyRootfs/],
  ];
  for (const [id, summary, evidence] of mistakes) {
    it(`fails again after the mistake for ${id}`, async () => {
      await t.solve("h03-04", id);
      const r = result(await t.check("h03-04"), id);
      expect(r.status, r.summary).toBe("fail");
      expect(r.summary).toMatch(summary);
      expect(evidenceText(r)).toMatch(evidence);
      expect(r.hint).toBeTruthy();
    });
  }

  it("pass again once solved", async () => {
    await t.solve("h03-04");
    const run = await t.check("h03-04");
    expect(run.results.filter((r) => r.status !== "pass").map((r) => `${r.id}: ${r.summary}`)).toEqual([]);
  });

  it("the agent's API runs and serves results, re-runs them after lab events, and keeps them across a restart", async () => {
    const latestOf = async (agent: Awaited<ReturnType<typeof startAgent>>) => {
      const res = await api(agent, "/api/checks/h03-04");
      expect(res.status).toBe(200);
      return (await res.json()) as { results: CheckResult[] };
    };
    let agent = await startAgent({ home: t.home, lab: t.lab });
    try {
      const posted = await api(agent, "/api/checks/h03-04", { method: "POST" });
      expect(posted.status).toBe(200);
      const run = BlockRun.parse(await posted.json());
      expect(run.results.every((r) => r.status === "pass")).toBe(true);
      expect((await latestOf(agent)).results.find((r) => r.id === "image-non-root")?.status).toBe("pass");
      expect((await api(agent, "/api/checks/h99")).status).toBe(400);
      // A rebuild with USER root is an image event on laptop: the agent re-runs the snapshot checks
      // by itself and pushes the results to the page's event stream.
      const stream = await api(agent, "/api/checks/h03-04/events");
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
      const pushed = awaitServerEvent(
        stream,
        "results",
        (data) => {
          const r = PushedResults.parse(data).results.find((x) => x.id === "image-non-root");
          return r?.status === "fail" ? r : undefined;
        },
        90_000,
      );
      await t.solve("h03-04", "image-non-root");
      const live = await pushed;
      expect(evidenceText(live)).toContain('Config.User="root"');
      expect((await latestOf(agent)).results.find((r) => r.id === "image-non-root")?.status).toBe("fail");
      // A run stored by another process (`drydock check`) is pushed too.
      const again = awaitServerEvent(
        await api(agent, "/api/checks/h03-04/events"),
        "results",
        (data) => PushedResults.parse(data).results.find((x) => x.id === "image-non-root" && x.at > live.at),
        60_000,
      );
      await t.check("h03-04");
      expect((await again).status).toBe("fail");
    } finally {
      await agent.stop();
    }
    agent = await startAgent({ home: t.home, lab: t.lab });
    try {
      const after = await latestOf(agent);
      expect(after.results.find((r) => r.id === "image-non-root")?.status).toBe("fail");
      expect(after.results).toHaveLength(8);
    } finally {
      await agent.stop();
    }
    await t.solve("h03-04");
  });
});
