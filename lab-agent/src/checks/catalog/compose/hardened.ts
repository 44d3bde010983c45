import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ComposeProjectFacts, collectComposeProject } from "../../collectors/compose-project.ts";
import { type ComposeService, dropsAll, hasNoNewPrivileges } from "../../parsers/compose-model.ts";
import { noNewPrivileges } from "../../parsers/spec-parsers.ts";
import { CONFIG, composeFiles, filesEvidence, modelsOf, Params } from "./common.ts";

const HParams = Params.extend({ services: z.array(z.string().min(1)).min(1).optional() }).strict();
type HParams = z.infer<typeof HParams>;

function gaps(s: ComposeService | undefined): string[] {
  if (!s) return ["no such service"];
  const out: string[] = [];
  if (!s.read_only) out.push("read_only");
  else if (!(s.tmpfs ?? []).length && !(s.volumes ?? []).some((v) => v.type === "tmpfs"))
    out.push("a tmpfs for /tmp");
  if (!dropsAll(s)) out.push("cap_drop: [ALL]");
  if (!hasNoNewPrivileges(s))
    out.push(
      noNewPrivileges(s.security_opt) === false
        ? "no-new-privileges (it is set to false)"
        : "no-new-privileges",
    );
  if (s.privileged) out.push("not privileged");
  return out;
}

const shape = (s: ComposeService | undefined) =>
  s
    ? {
        read_only: s.read_only ?? false,
        tmpfs: s.tmpfs ?? [],
        cap_drop: s.cap_drop ?? [],
        security_opt: s.security_opt ?? [],
      }
    : null;

/**
 * In compose.yml itself (so tests and deployments built on the base get it) and still in the
 * model as run (the override may not undo it): read_only with a tmpfs, cap_drop ALL,
 * no-new-privileges, for api and worker (and migrate).
 */
export function evaluateHardened(f: ComposeProjectFacts, p: HParams): CheckOutcome {
  const read = modelsOf(f, p);
  if ("outcome" in read) return read.outcome;
  const services = p.services ?? [p.app.api, p.app.worker, p.app.migrate];
  const { base, asRun } = read.models;
  const evidence: Evidence[] = [filesEvidence(f, p)];
  const problems: string[] = [];
  for (const svc of services) {
    const inBase = gaps(base.services[svc]);
    const asRunGaps = gaps(asRun.services[svc]);
    evidence.push({
      source: `${CONFIG} (${p.base} alone / as run)`,
      field: `services.${svc}`,
      observed: [shape(base.services[svc]), shape(asRun.services[svc])],
      expected: 'read_only: true, tmpfs, cap_drop: [ALL], security_opt: ["no-new-privileges:true"]',
    });
    if (inBase.length)
      problems.push(
        `${svc} in ${p.base} lacks ${inBase.join(", ")}${asRunGaps.length === 0 ? ` (only ${p.override} sets it, so tests and deployments built on ${p.base} run without it)` : ""}`,
      );
    else if (asRunGaps.length)
      problems.push(`${svc} as run lacks ${asRunGaps.join(", ")}: the override undoes the base's hardening`);
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `${services.join(", ")}: read-only with a tmpfs, all capabilities dropped, no-new-privileges, in ${p.base} and as run.`,
    evidence,
  );
}

export const composeHardened = defineCheck({
  id: "compose.hardened",
  title: "Hardening in the base: read_only + tmpfs, cap_drop ALL, no-new-privileges",
  kind: "snapshot",
  watches: { objects: ["container"], files: composeFiles },
  params: HParams,
  collect: (ctx, p) => collectComposeProject(ctx, p),
  evaluate: evaluateHardened,
});
