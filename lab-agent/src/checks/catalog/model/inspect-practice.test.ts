import { describe, expect, it } from "vitest";
import { evaluateInspect, type InspectFacts, inspectRuns } from "./inspect-practice.ts";

const P = {
  history: ".laptop_history",
  kinds: ["image", "container", "network", "volume", "service"] as (
    | "image"
    | "container"
    | "network"
    | "volume"
    | "service"
  )[],
};
const REAL = {
  "image:registry:5000/reg-case-platform:dev": true,
  "image:node:20-slim": true,
  "container:case-api": true,
  "network:reg-case-net": true,
  "network:bridge": true,
  "volume:lab-data": true,
  "service:reg-case_case-api": true,
};
const ALL = [
  "docker image inspect node:20-slim",
  "docker container inspect case-api --format '{{.State.Status}}'",
  "docker network inspect reg-case-net",
  "docker volume inspect lab-data",
  "docker --context swarm service inspect reg-case_case-api --pretty",
].join("\n");

function facts(history: string | null, swarmActive = true): InspectFacts {
  const exists: Record<string, boolean> = {};
  for (const r of history ? inspectRuns(history) : [])
    exists[`${r.kind}:${r.name}`] = (REAL as Record<string, boolean>)[`${r.kind}:${r.name}`] ?? false;
  return { path: P.history, history, swarmActive, exists };
}

/** [what it models, history (null: none), swarm active, status, summary]. */
const VARIANTS: Array<[string, string | null, boolean, "pass" | "fail", RegExp]> = [
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
    "no swarm yet: service inspect not required",
    ALL.split("\n").slice(0, 4).join("\n"),
    false,
    "pass",
    /image, container, network, volume inspect/,
  ],
  // wrong
  ["no history yet (nothing run in laptop's terminal)", null, true, "fail", /no such file/],
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
