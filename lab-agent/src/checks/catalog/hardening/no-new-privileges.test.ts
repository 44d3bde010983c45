import { describe, expect, it } from "vitest";
import { benchDaemonNoNewPrivileges } from "./docker-bench.ts";
import { evaluateNoNewPrivs, explicitNoNewPrivileges } from "./no-new-privileges.ts";
import type { NodeDaemon } from "./review.ts";
import {
  benchOf,
  daemon,
  type Edit,
  enforcing,
  factsWith,
  host,
  nnp,
  PARAMS,
  recorded,
} from "./test-support.ts";

type V = [
  name: string,
  fixture: string,
  edit: Edit | undefined,
  daemons: Partial<NodeDaemon>,
  status: "pass" | "fail",
  summary: RegExp,
  bench: "PASS" | "WARN",
  differs?: RegExp,
];
const plain: Partial<NodeDaemon> = {};
/** daemon.json edited, engine not restarted: the file says true, GET /info does not. */
const edited: Partial<NodeDaemon> = { daemonJson: '{"no-new-privileges": true}' };
const v: V[] = [
  [
    "stack: the node's engine enforces it (daemon.json + restart), task started after",
    "stack-hard",
    nnp,
    enforcing,
    "pass",
    /no-new-privileges enforced/,
    "PASS",
  ],
  [
    "compose: security_opt no-new-privileges:true (the deprecated colon form)",
    "rec-hard-1",
    undefined,
    plain,
    "pass",
    /enforced/,
    "PASS",
  ],
  ["docker run --security-opt no-new-privileges", "run-hard", undefined, plain, "pass", /enforced/, "PASS"],
  [
    "dockerd --no-new-privileges on the command line",
    "run-plain",
    (r) => {
      r.procStatus = (r.procStatus ?? "").replace(/NoNewPrivs:\s+0/, "NoNewPrivs:\t1");
    },
    { securityOptions: ["name=no-new-privileges"], commandLine: "dockerd --no-new-privileges" },
    "pass",
    /enforced/,
    "PASS",
  ],
  [
    "stack: security_opt in the stack file, ignored by docker stack deploy",
    "stack-hard",
    undefined,
    plain,
    "fail",
    /a Swarm service cannot set it \(docker stack deploy ignores security_opt\)/,
    "WARN",
  ],
  [
    "docker run with nothing set, on an engine that does not enforce it",
    "run-plain",
    undefined,
    plain,
    "fail",
    /no security_opt no-new-privileges/,
    "WARN",
  ],
  [
    "stack: daemon.json edited on the node, engine not restarted",
    "stack-hard",
    undefined,
    edited,
    "fail",
    /sets "no-new-privileges": true, but its engine was not restarted/,
    "PASS",
    /reads daemon\.json, not what the running engine enforces/,
  ],
  [
    "docker run --security-opt no-new-privileges=false",
    "run-bad",
    undefined,
    plain,
    "fail",
    /it turns it off \(no-new-privileges=false/,
    "PASS",
    /an explicit =false passes it/,
  ],
  [
    "stack: engine restarted with it, but the task is older than the restart",
    "stack-hard",
    undefined,
    enforcing,
    "fail",
    /started before worker-2's engine enforced no-new-privileges/,
    "PASS",
    /trusts the daemon's setting/,
  ],
  [
    "compose: security_opt no-new-privileges:false",
    "rec-hard-1",
    (r) => {
      host(r).SecurityOpt = ["no-new-privileges:false"];
      r.procStatus = (r.procStatus ?? "").replace(/NoNewPrivs:\s+1/, "NoNewPrivs:\t0");
    },
    plain,
    "fail",
    /turns it off/,
    "PASS",
    /explicit =false/,
  ],
];

describe("hardening.no-new-privileges on recorded containers and daemons", () => {
  it.each(v)("%s", (_n, fixture, edit, d, status, summary, bench, differs) => {
    const r = recorded(fixture, edit);
    const facts = factsWith(
      [r],
      ["laptop", "worker-1", "worker-2"].map((n) => daemon(n, n === r.node ? d : enforcing)),
    );
    const out = evaluateNoNewPrivs(facts, PARAMS);
    expect(out.status, out.summary).toBe(status);
    expect(out.summary).toMatch(summary);
    const b = benchOf(out, "5.26");
    expect(b?.result).toBe(bench);
    expect(b?.agrees, JSON.stringify(b)).toBe(!differs);
    if (differs) expect((b?.differs ?? []).join("\n")).toMatch(differs);
  });

  it("parses security_opt as the daemon does", () => {
    expect(explicitNoNewPrivileges(["no-new-privileges"])).toBe(true);
    expect(explicitNoNewPrivileges(["no-new-privileges=false"])).toBe(false);
    expect(explicitNoNewPrivileges(["no-new-privileges:true"])).toBe(true);
    expect(explicitNoNewPrivileges(["seccomp=unconfined"])).toBeUndefined();
    expect(
      benchDaemonNoNewPrivileges({ commandLine: null, daemonJson: '{"no-new-privileges": false}' }),
    ).toBe(false);
  });
});
