import { describe, expect, it } from "vitest";
import type { SwarmTask } from "../../collectors/collect-swarm.ts";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";
import {
  attachmentsOf,
  type OverlayFacts,
  type OverlayRun,
  type ProbeTarget,
  probeSources,
} from "../../probes/overlay-probe.ts";
import { clone, node, readJson, recordedCluster, service, tasksOfService } from "./fixtures/load.ts";
import { evaluateOverlay } from "./overlay.ts";

const params = { stack: "reg-case", from: "case-api", to: ["redis:6379", "postgres:5432"] };
const solved = recordedCluster();
/** The probe's output, run by hand in the solved lab's case-api tasks (no IPVS on that host). */
const fromWorker1 = readJson<ProbeTarget[]>("overlay", "probe-worker-1.json");
const fromWorker2 = readJson<ProbeTarget[]>("overlay", "probe-worker-2.json");
const pick = (results: ProbeTarget[], ...targets: string[]) =>
  targets.map((t) => results.find((r) => r.target === t) as ProbeTarget);

function apiTaskOn(c: ClusterFacts, host: string): SwarmTask {
  const id = node(c, host).ID;
  const t = tasksOfService(c, "reg-case_case-api").find(
    (x) => x.NodeID === id && x.DesiredState === "running",
  );
  if (!t) throw new Error(`no api task on ${host}`);
  return t;
}

function run(c: ClusterFacts, host: string, results: ProbeTarget[], error?: string): OverlayRun {
  const task = apiTaskOn(c, host);
  return {
    fromTask: task.ID,
    fromNode: host,
    fromState: task.Status?.State ?? "?",
    networks: attachmentsOf(task).map(({ addresses: _, ...n }) => n),
    targets: results.map((r) => r.target),
    results,
    ...(error ? { error } : {}),
  };
}

/** Moves a service's running tasks to another node (as a placement change would). */
function moveTo(c: ClusterFacts, svc: string, host: string) {
  for (const t of tasksOfService(c, svc)) t.NodeID = node(c, host).ID;
}

type Variant = [
  name: string,
  make: (c: ClusterFacts) => { runs: OverlayRun[]; ipvs?: boolean; to?: string[] },
  status: "pass" | "fail" | "error",
  summary: RegExp,
];
/** The mistake "keep the cache apart": redis's tasks on an overlay network of their own. */
function redisOnItsOwnNetwork(c: ClusterFacts): void {
  for (const t of tasksOfService(c, "reg-case_redis"))
    t.NetworksAttachments = [
      {
        Network: { ID: "cachenet", Spec: { Name: "reg-case_cache-net" }, DriverState: { Name: "overlay" } },
        Addresses: ["10.0.3.2/24"],
      },
    ];
}

const variants: Variant[] = [
  [
    "the solve: api on worker-1 reaches redis and postgres (dnsrr) on worker-2",
    (c) => ({ runs: [run(c, "worker-1", pick(fromWorker1, "redis:6379", "postgres:5432"))] }),
    "pass",
    /case-api reached redis:6379, postgres:5432 by name over the overlay \(2 of them on another node\)/,
  ],
  [
    "probed from worker-2 as well, where redis is local: the worker-1 probe still proves it",
    (c) => ({
      runs: [
        run(c, "worker-1", pick(fromWorker1, "redis:6379")),
        run(c, "worker-2", pick(fromWorker2, "postgres:5432")),
      ],
    }),
    "pass",
    /\(1 of them on another node\)/,
  ],
  [
    "a VIP target on a host with IPVS (the default endpoint mode), tasks on another node",
    (c) => {
      service(c, "reg-case_redis").Spec.EndpointSpec = { Mode: "vip" };
      return {
        ipvs: true,
        runs: [
          run(c, "worker-1", [
            {
              target: "redis:6379",
              addresses: ["10.0.1.9"],
              ok: true,
              detail: "connected",
              address: "10.0.1.9",
            },
            ...pick(fromWorker1, "postgres:5432"),
          ]),
        ],
      };
    },
    "pass",
    /2 of them on another node/,
  ],
  [
    "a second overlay network for the front (the seed's public-net beside app-net)",
    (c) => {
      const t = apiTaskOn(c, "worker-1");
      t.NetworksAttachments?.push({
        Network: {
          ID: "publicnet",
          Spec: { Name: "reg-case_public-net", DriverConfiguration: { Name: "overlay" } },
          DriverState: { Name: "overlay" },
        },
        Addresses: ["10.0.2.3/24"],
      });
      return { runs: [run(c, "worker-1", pick(fromWorker1, "redis:6379", "postgres:5432"))] };
    },
    "pass",
    /2 of them on another node/,
  ],
  [
    "redis moved to a network of its own: the api cannot resolve it",
    (c) => {
      redisOnItsOwnNetwork(c);
      return {
        runs: [
          run(c, "worker-1", [
            {
              target: "redis:6379",
              addresses: "ENOTFOUND",
              ok: false,
              detail: "ENOTFOUND",
              tasks: { addresses: "ENOTFOUND", ok: false, detail: "no task address" },
            },
            ...pick(fromWorker1, "postgres:5432"),
          ]),
        ],
      };
    },
    "fail",
    /redis shares no overlay network with case-api \(case-api is on reg-case_app-net\)/,
  ],
  [
    "redis listens on another port than the one the app calls (6380 vs 6379)",
    (c) => ({ runs: [run(c, "worker-2", pick(fromWorker2, "redis:6380"))] }),
    "fail",
    /from worker-2, redis:6380 did not answer by name \(ECONNREFUSED: nothing listens on that port/,
  ],
  [
    "overlay traffic between nodes blocked (VXLAN UDP 4789 filtered): dnsrr connect times out",
    (c) => ({
      runs: [
        run(c, "worker-1", [
          {
            target: "redis:6379",
            addresses: ["10.0.1.5"],
            ok: false,
            detail: "timeout",
            tasks: { addresses: ["10.0.1.5"], ok: false, detail: "timeout" },
          },
          ...pick(fromWorker1, "postgres:5432"),
        ]),
      ],
    }),
    "fail",
    /redis:6379 did not answer by name \(timeout: traffic between nodes is not getting through the overlay/,
  ],
  [
    "redis has no running task (pending on an unlabelled swarm)",
    (c) => {
      for (const t of tasksOfService(c, "reg-case_redis"))
        t.Status = { State: "pending", Err: "no suitable node" };
      return {
        runs: [
          run(c, "worker-1", [
            {
              target: "redis:6379",
              addresses: "ENOTFOUND",
              ok: false,
              detail: "ENOTFOUND",
              tasks: { addresses: "ENOTFOUND", ok: false, detail: "no task address" },
            },
          ]),
        ],
      };
    },
    "fail",
    /redis has no running task to answer/,
  ],
  [
    "everything on worker-2: on one node an overlay proves nothing",
    (c) => {
      moveTo(c, "reg-case_case-api", "worker-2");
      return { runs: [run(c, "worker-2", pick(fromWorker2, "redis:6379", "postgres:5432"))] };
    },
    "error",
    /Can't tell, because case-api and redis, postgres all run on worker-2: on one node an overlay proves nothing/,
  ],
  [
    "a VIP target on this host (no IPVS): recorded timeout on the VIP, the task answered at tasks.worker",
    (c) => ({ runs: [run(c, "worker-1", pick(fromWorker1, "worker:8080"))] }),
    "error",
    /Can't tell, because worker has a virtual IP \(endpoint_mode vip\) and this host's kernel has no IPVS.*tasks\.worker \(10\.0\.1\.52/,
  ],
  [
    "the probe's container stopped under it (a restarting task)",
    (c) => ({ runs: [run(c, "worker-1", [], "(HTTP code 409) container is not running")] }),
    "error",
    /Can't tell, because the probe in worker-1's case-api task could not run/,
  ],
  [
    "redis on a network of its own, and the probe's container killed under it (exit 137): the specs still decide",
    (c) => {
      redisOnItsOwnNetwork(c);
      const killed = { ...run(c, "worker-1", [], "exit 137: "), targets: ["redis:6379", "postgres:5432"] };
      return { runs: [killed] };
    },
    "fail",
    /^redis shares no overlay network with case-api \(case-api is on reg-case_app-net\), so it cannot reach it\.$/,
  ],
  [
    "redis on a network of its own, and no api task left to probe from (Swarm killed them): the spec decides",
    (c) => {
      redisOnItsOwnNetwork(c);
      return { runs: [], to: ["redis:6379", "postgres:5432"] };
    },
    "fail",
    /^redis shares no overlay network with case-api \(by case-api's spec; it has no task running to probe from\), so it cannot reach it\.$/,
  ],
  [
    "no api task to probe from, and every target on its networks: can't tell",
    () => ({ runs: [], to: ["redis:6379", "postgres:5432"] }),
    "error",
    /Can't tell, because reg-case_case-api has no live container/,
  ],
  [
    "case-api has no live container to probe from",
    () => ({ runs: [] }),
    "error",
    /Can't tell, because reg-case_case-api has no live container/,
  ],
];

describe("swarm.overlay on recorded tasks and probe output", () => {
  it.each(variants)("%s", (_name, make, status, summary) => {
    const c = clone(solved);
    const made = make(c);
    const facts: OverlayFacts = { swarm: c, runs: made.runs, ipvs: made.ipvs ?? false };
    const params2 = {
      ...params,
      to: made.to ?? made.runs.flatMap((r) => r.targets).filter((t, i, a) => a.indexOf(t) === i),
    };
    const r = evaluateOverlay(facts, params2.to.length ? params2 : params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("probes from running tasks first, then starting ones, never from a task on a down node", () => {
    const c = clone(solved);
    const api = service(c, "reg-case_case-api");
    expect(probeSources(c, api)).toHaveLength(2);
    const t1 = apiTaskOn(c, "worker-1");
    t1.Status = { ...t1.Status, State: "starting" };
    expect(probeSources(c, api)[0]?.NodeID).toBe(node(c, "worker-2").ID);
    node(c, "worker-2").Status = { State: "down" };
    expect(probeSources(c, api).map((t) => t.ID)).toEqual([t1.ID]);
  });
});
