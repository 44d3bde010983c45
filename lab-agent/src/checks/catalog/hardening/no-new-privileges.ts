import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { hardeningCheck } from "./define.ts";
import { benchContainerNoNewPrivileges, benchDaemonNoNewPrivileges, benchVerdict } from "./docker-bench.ts";
import {
  count,
  type HardeningFacts,
  type HardeningParams,
  labelOf,
  type NodeDaemon,
  nameOf,
  type Reviewed,
  requireTargets,
  SOURCE,
} from "./review.ts";

/**
 * The container's own setting, parsed as the daemon parses `--security-opt` (daemon_unix.go
 * parseSecurityOpt): `no-new-privileges` alone is true, `=` or the deprecated `:` takes a bool.
 */
export function explicitNoNewPrivileges(opts: readonly string[] | null | undefined): boolean | undefined {
  let value: boolean | undefined;
  for (const o of opts ?? []) {
    if (o === "no-new-privileges") value = true;
    const m = /^no-new-privileges[=:](.*)$/.exec(o);
    if (m) value = ["1", "t", "true", "TRUE", "True"].includes(m[1] ?? "");
  }
  return value;
}

export const daemonEnforces = (d: NodeDaemon | undefined) =>
  Boolean(d?.securityOptions.includes("name=no-new-privileges"));

/** What daemon.json says (true/false), undefined when it does not say. */
export function daemonJsonSays(d: NodeDaemon | undefined): boolean | undefined {
  try {
    const v = (JSON.parse(d?.daemonJson ?? "{}") as Record<string, unknown>)["no-new-privileges"];
    return v === undefined ? undefined : v === true;
  } catch {
    return undefined;
  }
}

/** NoNewPrivs of PID 1 from /proc/<pid>/status: what the kernel enforces. */
export function procNoNewPrivs(status: string | null): boolean | undefined {
  const m = /^NoNewPrivs:\s+(\d)/m.exec(status ?? "");
  return m ? m[1] === "1" : undefined;
}

export function judgeNoNewPrivs(r: Reviewed, d: NodeDaemon | undefined) {
  const explicit = explicitNoNewPrivileges(r.inspect.HostConfig?.SecurityOpt);
  const daemon = daemonEnforces(d);
  const running = procNoNewPrivs(r.procStatus);
  const effective = running ?? explicit ?? daemon;
  const observed = {
    SecurityOpt: r.inspect.HostConfig?.SecurityOpt ?? [],
    [`${r.node} daemon enforces (GET /info)`]: daemon,
    "PID 1 NoNewPrivs (/proc)": running ?? "not read",
  };
  if (effective) return { observed };
  let problem: string;
  if (explicit === false)
    problem = `it turns it off (${(r.inspect.HostConfig?.SecurityOpt ?? []).join(", ")})`;
  else if (!daemon && daemonJsonSays(d))
    problem = `${r.node}'s /etc/docker/daemon.json sets "no-new-privileges": true, but its engine was not restarted, so it does not enforce it`;
  else if (daemon)
    problem = `it was started before ${r.node}'s engine enforced no-new-privileges: replace it (docker service update --force, or recreate it)`;
  else if (r.form === "stack")
    problem = `a Swarm service cannot set it (docker stack deploy ignores security_opt): set "no-new-privileges": true in ${r.node}'s /etc/docker/daemon.json and restart its engine`;
  else problem = "no security_opt no-new-privileges, and the engine does not enforce it";
  return { problem, observed };
}

export function evaluateNoNewPrivs(facts: HardeningFacts, p: HardeningParams): CheckOutcome {
  const missing = requireTargets(facts, p);
  if (missing) return missing;
  const daemonOf = (node: string) => facts.daemons.find((d) => d.node === node);
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  const differs: string[] = [];
  const perNode: Record<string, string> = {};
  const nodes = [...new Set(facts.containers.map((c) => c.node))];
  for (const node of nodes) {
    const d = daemonOf(node);
    evidence.push({
      source: `${node}: GET /info, /etc/docker/daemon.json, dockerd's command line`,
      field: `${node} daemon`,
      observed: {
        SecurityOptions: d?.securityOptions ?? [],
        "daemon.json no-new-privileges": daemonJsonSays(d) ?? "not set",
        ...(d?.error ? { error: d.error } : {}),
      },
      expected: 'SecurityOptions has "name=no-new-privileges" on every node that runs a task',
    });
    const cs = facts.containers.filter((c) => c.node === node);
    const bench = benchVerdict(
      "5.26",
      cs.map((c) => ({ name: nameOf(c), inspect: c.inspect })),
      d ? { commandLine: d.commandLine, daemonJson: d.daemonJson } : undefined,
    );
    perNode[node] = `${bench.result}${bench.items.length ? ` ${bench.items.join(" ")}` : ""}`;
    const benchDaemon = d
      ? benchDaemonNoNewPrivileges({ commandLine: d.commandLine, daemonJson: d.daemonJson })
      : false;
    for (const r of cs) {
      const j = judgeNoNewPrivs(r, d);
      if (j.problem) problems.push(`${labelOf(r)}: ${j.problem}`);
      evidence.push({
        source: SOURCE(r),
        field: `${labelOf(r)} no-new-privileges`,
        observed: j.observed,
        expected: "enforced",
      });
      const benchWarns = !benchDaemon && !benchContainerNoNewPrivileges(r.inspect);
      if (benchWarns === Boolean(j.problem)) continue;
      const explicit = explicitNoNewPrivileges(r.inspect.HostConfig?.SecurityOpt);
      let why: string;
      if (explicit === false && !benchDaemon)
        why = 'docker-bench looks for the text "no-new-privileges", so an explicit =false passes it';
      else if (benchDaemon && !daemonEnforces(d))
        why = "docker-bench reads daemon.json, not what the running engine enforces (edited, not restarted)";
      else if (benchDaemon)
        why =
          "docker-bench trusts the daemon's setting; this container started before the engine enforced it";
      else why = `docker-bench ${benchWarns ? "warns" : "passes"}, we ${j.problem ? "fail" : "pass"}`;
      differs.push(`${nameOf(r)}: ${why}`);
    }
  }
  evidence.push({
    source: "docker-bench-security 5.26 (its shell test, run on the same containers and daemons)",
    field: "docker-bench 5.26",
    observed: {
      result: Object.values(perNode).some((v) => v.startsWith("WARN")) ? "WARN" : "PASS",
      perNode,
      agrees: differs.length === 0,
      ...(differs.length ? { differs } : {}),
    },
  });
  if (problems.length) return fail(`no-new-privileges: ${problems.join("; ")}.`, evidence);
  return pass(`${count(facts.containers)} run with no-new-privileges enforced (NoNewPrivs 1).`, evidence);
}

export const hardeningNoNewPrivileges = hardeningCheck(
  "hardening.no-new-privileges",
  "no-new-privileges on every container (in Swarm: from each node's engine)",
  evaluateNoNewPrivs,
);
