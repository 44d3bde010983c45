import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { describePort, isLoopback, publishedPorts } from "../../parsers/compose-model.ts";
import { CONFIG, CTRS, composeFiles, containerOf, filesEvidence, modelsOf, Params } from "./common.ts";

type Bindings = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | undefined;

/** Host bindings a running container really has (`NetworkSettings.Ports`; `null` = exposed only). */
export function boundPorts(ports: Bindings): string[] {
  return Object.entries(ports ?? {}).flatMap(([port, binds]) =>
    (binds ?? []).map((b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort}->${port}`),
  );
}

/**
 * PostgreSQL and Redis publish nothing in compose.yml; as run (the dev override included), at
 * most on 127.0.0.1; and their running containers have no host binding beyond that. `expose:`
 * publishes nothing.
 */
export function evaluateDbPrivate(f: ComposeProjectFacts, p: Params): CheckOutcome {
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const { base, asRun } = read.models;
  const evidence: Evidence[] = [filesEvidence(f, p)];
  const problems: string[] = [];
  const notes: string[] = [];
  for (const svc of p.data) {
    const inBase = publishedPorts(base.services[svc]);
    const run = publishedPorts(asRun.services[svc]);
    const c = containerOf(f, svc);
    const bound = c ? boundPorts(c.NetworkSettings.Ports as Bindings) : [];
    evidence.push({
      source: `${CONFIG} (${p.base} alone / as run)`,
      field: `services.${svc}.ports`,
      observed: [inBase.map(describePort), run.map(describePort)],
      expected: "[] in the base; nothing, or 127.0.0.1 only, as run",
    });
    if (c)
      evidence.push({
        source: `${CTRS}=${p.project},service=${svc}`,
        field: "NetworkSettings.Ports (host bindings)",
        observed: bound,
        expected: "[]",
      });
    if (inBase.length)
      problems.push(
        `${p.base} publishes ${svc} on ${inBase.map(describePort).join(", ")}${inBase.some((x) => x.published === "(random)") ? " (a random host port is still a published port, on every interface)" : ""}`,
      );
    const open = run.filter(
      (x) => !isLoopback(x.hostIp) && !inBase.some((b) => describePort(b) === describePort(x)),
    );
    if (open.length)
      problems.push(
        `as run, ${svc} is published on ${open.map(describePort).join(", ")}: reachable from every network the laptop is on`,
      );
    else if (run.length && !inBase.length)
      notes.push(`${svc} on ${run.map(describePort).join(", ")} for local tools, loopback only`);
    const wide = bound.filter((b) => !b.startsWith("127.") && !b.startsWith("::1"));
    if (wide.length && !open.length && !inBase.length)
      problems.push(
        `the running ${svc} container is bound on ${wide.join(", ")}, which the files no longer say: recreate it (docker compose up -d)`,
      );
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `${p.data.join(" and ")} publish no port in ${p.base}${notes.length ? ` (${notes.join("; ")})` : " or as run"}; only the project's services reach them, by name.`,
    evidence,
  );
}

export const composeDbPrivate = defineCheck({
  id: "compose.db.private",
  title: "No database or cache port published to the host",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: Params,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateDbPrivate,
});
