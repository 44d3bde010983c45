import { describe, expect, it } from "vitest";
import { ENGINE_ROLES, type EngineRole } from "../../../course/lab-nodes.ts";
import { historyFile } from "../../../lab/node-history.ts";
import { evaluateInspect, type InspectFacts, inspectRuns, objectKey } from "./inspect-practice.ts";

const P = {
  nodes: [...ENGINE_ROLES],
  kinds: ["image", "container", "network", "volume", "service"] as (
    | "image"
    | "container"
    | "network"
    | "volume"
    | "service"
  )[],
};
/** What exists, per engine asked. */
const REAL = new Set([
  "laptop|image:registry:5000/reg-case-platform:dev",
  "laptop|image:node:20-slim",
  "laptop|container:case-api",
  "laptop|network:reg-case-net",
  "laptop|network:bridge",
  "laptop|volume:lab-data",
  "manager-1|service:reg-case_case-api",
  "manager-1|network:reg-case_backend",
  "worker-1|container:reg-case_case-api.1.qk2v0c5o8d1bm3k9ouz6w1u3x",
  "worker-1|image:registry:5000/reg-case-platform:dev",
]);
const ALL = [
  "docker image inspect node:20-slim",
  "docker container inspect case-api --format '{{.State.Status}}'",
  "docker network inspect reg-case-net",
  "docker volume inspect lab-data",
  "docker --context swarm service inspect reg-case_case-api --pretty",
].join("\n");

type Shells = Partial<Record<EngineRole, string>>;

/** A string is laptop's history; null: no node has one yet. */
function facts(shells: string | Shells | null, swarmActive = true): InspectFacts {
  const by: Shells = typeof shells === "string" ? { laptop: shells } : (shells ?? {});
  const histories = ENGINE_ROLES.map((node) => ({ node, path: historyFile(node), text: by[node] ?? null }));
  const exists: Record<string, boolean> = {};
  for (const h of histories)
    for (const r of h.text ? inspectRuns(h.text, h.node) : []) exists[objectKey(r)] = REAL.has(objectKey(r));
  return { histories, swarmActive, exists };
}

const FOUR = ALL.split("\n").slice(0, 4).join("\n");

/** [what it models, histories (a string: laptop's; null: none), swarm active, status, summary]. */
const VARIANTS: Array<[string, string | Shells | null, boolean, "pass" | "fail", RegExp]> = [
  // right
  [
    "the seed's five commands on the lab's objects",
    ALL,
    true,
    "pass",
    /image, container, network, volume, service inspect/,
  ],
  [
    "with bash's timestamps (HISTTIMEFORMAT) between lines",
    ALL.split("\n")
      .map((l) => `#1764600000\n${l}`)
      .join("\n"),
    true,
    "pass",
    /each on an object/,
  ],
  [
    "piped into jq, several names, -f format",
    `docker image inspect -f '{{.Config.User}}' node:20-slim registry:5000/reg-case-platform:dev\ndocker container inspect case-api | jq '.[0].State'\ndocker network inspect bridge reg-case-net && docker volume inspect lab-data\ndocker --context=swarm service inspect reg-case_case-api`,
    true,
    "pass",
    /each on an object/,
  ],
  [
    "service inspect typed in manager-1's own terminal",
    { laptop: FOUR, "manager-1": "docker service inspect reg-case_case-api --pretty" },
    true,
    "pass",
    /\(laptop, manager-1\)/,
  ],
  [
    "a task's container inspected on the worker that runs it, the rest on manager-1",
    {
      "worker-1":
        "docker container inspect reg-case_case-api.1.qk2v0c5o8d1bm3k9ouz6w1u3x\ndocker image inspect registry:5000/reg-case-platform:dev",
      "manager-1": "docker network inspect reg-case_backend\ndocker service inspect reg-case_case-api",
      laptop: "docker volume inspect lab-data",
    },
    true,
    "pass",
    /each on an object/,
  ],
  [
    "no swarm yet: service inspect not required",
    ALL.split("\n").slice(0, 4).join("\n"),
    false,
    "pass",
    /image, container, network, volume inspect/,
  ],
  // wrong
  ["no history yet (nothing run in any terminal)", null, true, "fail", /no such file/],
  [
    "service inspect in a worker's terminal (a worker is no manager: the command failed)",
    { laptop: FOUR, "worker-2": "docker service inspect reg-case_case-api" },
    true,
    "fail",
    /service \(only on objects that do not exist: reg-case_case-api\)/,
  ],
  [
    "laptop's container inspected from manager-1's terminal (another engine: no such container there)",
    {
      laptop:
        "docker image inspect node:20-slim\ndocker network inspect bridge\ndocker volume inspect lab-data",
      "manager-1": "docker container inspect case-api\ndocker service inspect reg-case_case-api",
    },
    true,
    "fail",
    /container \(only on objects that do not exist: case-api\)/,
  ],
  [
    "the seed's placeholders typed as they are",
    "docker image inspect <image>\ndocker container inspect <container>\ndocker network inspect <network>\ndocker volume inspect <volume>\ndocker service inspect <service>",
    true,
    "fail",
    /image; container; network; volume; service/,
  ],
  [
    "docker inspect only (no kind given)",
    "docker inspect case-api\ndocker inspect node:20-slim",
    true,
    "fail",
    /image; container; network; volume; service/,
  ],
  [
    "volume inspect on a volume that does not exist",
    ALL.replace("lab-data", "my-volume"),
    true,
    "fail",
    /volume \(only on objects that do not exist: my-volume\)/,
  ],
  [
    "service inspect on laptop's own engine name (reg-case_api)",
    ALL.replace("reg-case_case-api", "reg-case_api"),
    true,
    "fail",
    /service \(only on objects that do not exist: reg-case_api\)/,
  ],
  [
    "the commands in a comment or echoed",
    "# docker image inspect node:20-slim\necho docker network inspect x",
    true,
    "fail",
    /image; container/,
  ],
];

describe("practice.inspect", () => {
  it.each(VARIANTS)("%s", (_what, history, swarm, status, summary) => {
    const r = evaluateInspect(facts(history, swarm), P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
