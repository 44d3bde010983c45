import { describe, expect, it } from "vitest";
import type { SwarmFacts } from "../../collectors/collect-swarm.ts";
import { evaluateBundle } from "./bundle.ts";
import type { BundleFacts, BundleFile } from "./bundle-facts.ts";
import { recordedSwarm } from "./test-support.ts";

const P = {
  dir: "reg-case-platform/ops/incidents",
  stack: "reg-case",
  service: "case-api",
  maxAgeMinutes: 60,
};
const NOW = Date.parse("2026-12-01T21:40:00Z");
const SW = recordedSwarm();
const api = SW.services[0] as SwarmFacts["services"][number];

/** The six outputs as the Docker 26 CLI prints them for the recorded swarm. */
function outputs(swarm: SwarmFacts = SW): Record<string, string> {
  return {
    "nodes.txt": `ID                            HOSTNAME    STATUS    AVAILABILITY   MANAGER STATUS   ENGINE VERSION\n${swarm.nodes.map((n) => `${n.ID} ${n.Description?.Hostname === "manager-1" ? "*" : " "}  ${n.Description?.Hostname}   Ready     Active         ${n.Description?.Hostname === "manager-1" ? "Leader" : "      "}           26.1.5`).join("\n")}\n`,
    "services.txt": `ID             NAME                MODE         REPLICAS   IMAGE                                PORTS\n${swarm.services.map((s) => `${s.ID.slice(0, 12)}   ${s.Spec.Name}   replicated   2/2        registry:5000/reg-case-platform@sha256:ac37   *:8080->8080/tcp`).join("\n")}\n`,
    "stack-ps.txt": `ID                          NAME                  IMAGE   NODE       DESIRED STATE   CURRENT STATE           ERROR   PORTS\n${swarm.tasks.map((t) => `${t.ID}   reg-case_case-api.${t.Slot}   ${t.Spec?.ContainerSpec?.Image}   worker-1   ${t.DesiredState}   ${t.Status?.State} 10 minutes ago   "${t.Status?.Err ?? ""}"`).join("\n")}\n`,
    "case-api.inspect.json": JSON.stringify([{ ID: api.ID, Spec: api.Spec }], null, 4),
    "case-api.logs.txt": `reg-case_case-api.1.atv6y2mjyk7m@worker-1    | {"level":30,"time":1764623400000,"msg":"listening"}\nreg-case_case-api.2.ogagtp8802s5@worker-2    | {"level":30,"msg":"listening"}\n`,
    "docker-events.txt":
      "2026-12-01T21:30:00.123456789Z service update f6i2rqri97quumdoeew0mzqwi (name=reg-case_case-api)\n2026-12-01T21:30:02.000000000Z node update vktk9tpu3kecdcipc6cqpq51u (name=manager-1)\n",
  };
}

function facts(
  files: Record<string, string>,
  opts: { ageMin?: number; swarm?: SwarmFacts; bundle?: string | null } = {},
): BundleFacts {
  const list: BundleFile[] = Object.entries(files).map(([name, text]) => ({
    name,
    text,
    mtimeMs: NOW - (opts.ageMin ?? 5) * 60_000,
  }));
  return {
    dir: P.dir,
    bundle: opts.bundle === undefined ? "incident-20261201-213500" : opts.bundle,
    files: list,
    swarm: opts.swarm ?? SW,
    now: NOW,
  };
}
const change = (name: string, text: string | null) => {
  const o = outputs();
  if (text === null) delete o[name];
  else o[name] = text;
  return o;
};
const rename = (map: Record<string, string>) =>
  Object.fromEntries(Object.entries(outputs()).map(([k, v]) => [map[k] ?? k, v]));

/** [what it models, facts, status, summary]. */
const VARIANTS: Array<[string, BundleFacts, "pass" | "fail", RegExp]> = [
  // right
  ["the seed's six files, five minutes old", facts(outputs()), "pass", /six outputs, from this swarm/],
  [
    "the page's names (api.inspect.json, events.txt)",
    facts(
      rename({
        "case-api.inspect.json": "api.inspect.json",
        "docker-events.txt": "events.txt",
        "case-api.logs.txt": "api.logs.txt",
      }),
    ),
    "pass",
    /six outputs/,
  ],
  [
    "logs with --timestamps (a time before each line)",
    facts(
      change(
        "case-api.logs.txt",
        `2026-12-01T21:30:00.1Z reg-case_case-api.1.atv6y2mjyk7m@worker-1    | {"msg":"listening"}\n`,
      ),
    ),
    "pass",
    /six outputs/,
  ],
  ["collected 59 minutes ago", facts(outputs(), { ageMin: 59 }), "pass", /six outputs/],
  // wrong
  ["no bundle yet", facts({}, { bundle: null }), "fail", /no incident-\* folder/],
  [
    "an old bundle (yesterday's incident)",
    facts(outputs(), { ageMin: 24 * 60 }),
    "fail",
    /written 1440 min ago \(more than 60\)/,
  ],
  [
    "docker events without --until, cut with Ctrl-C before it printed",
    facts(change("docker-events.txt", "")),
    "fail",
    /docker-events\.txt: empty/,
  ],
  [
    "logs of a service name that does not exist (reg-case_api)",
    facts(change("case-api.logs.txt", "Error response from daemon: service reg-case_api not found\n")),
    "fail",
    /an error, not logs/,
  ],
  [
    "inspect --pretty instead of JSON",
    facts(change("case-api.inspect.json", "ID:\t\tf6i2rqri97quumdoeew0mzqwi\nName:\t\treg-case_case-api\n")),
    "fail",
    /the --pretty form, not JSON/,
  ],
  [
    "the inspect of a stack since removed and deployed again (another service ID)",
    facts(
      change(
        "case-api.inspect.json",
        JSON.stringify([{ ID: "zzzzzzzzzzzzzzzzzzzzzzzzz", Spec: { Name: "reg-case_case-api" } }]),
      ),
    ),
    "fail",
    /is not in the swarm now/,
  ],
  [
    "the stack's tasks missing",
    facts(change("stack-ps.txt", null)),
    "fail",
    /no tasks \(docker stack ps --no-trunc\) file/,
  ],
  [
    "a bundle from another lab (other node IDs)",
    facts(
      change(
        "nodes.txt",
        "ID   HOSTNAME   STATUS   AVAILABILITY   MANAGER STATUS\nabc123def456 *   manager-1   Ready   Active   Leader\n",
      ),
    ),
    "fail",
    /not in it/,
  ],
  [
    "no swarm",
    facts(outputs(), {
      swarm: { localState: "inactive", isManager: false, nodes: [], services: [], tasks: [] },
    }),
    "fail",
    /not in a swarm/,
  ],
];

describe("incident.bundle", () => {
  it.each(VARIANTS)("%s", (_what, f, status, summary) => {
    const r = evaluateBundle(f, P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
