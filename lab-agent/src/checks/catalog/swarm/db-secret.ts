import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { type ClusterFacts, collectCluster } from "../../collectors/swarm-cluster.ts";
import { noSwarm, requireServices, SECRETS, SERVICES, ServiceName, Stack } from "./common.ts";

const Params = z
  .object({
    stack: Stack,
    services: z.array(ServiceName).min(1).default(["case-api", "worker"]),
    variable: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default("DATABASE_URL"),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** Where a secret lands in the container: a relative name goes under /run/secrets, an absolute target stays. */
export const secretPath = (fileName: string) =>
  fileName.startsWith("/") ? fileName : `/run/secrets/${fileName}`;

/** `scheme://user:password@host`: a credential written into an environment value. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^@\s]+@/i;

export function evaluateSecret(facts: ClusterFacts, p: Params): CheckOutcome {
  const found = requireServices(facts, p.stack, p.services);
  const none = noSwarm(facts) ?? found.missing;
  if (none) return none;
  const evidence: Evidence[] = [];
  const problems: string[] = [];
  const fileVar = `${p.variable}_FILE`;
  for (const name of p.services) {
    const svc = found.services.get(name);
    if (!svc) continue;
    const cs = svc.Spec.TaskTemplate?.ContainerSpec ?? {};
    const env = new Map<string, string>();
    for (const e of cs.Env ?? []) {
      const i = e.indexOf("=");
      env.set(i < 0 ? e : e.slice(0, i), i < 0 ? "" : e.slice(i + 1));
    }
    const secrets = cs.Secrets ?? [];
    const mounts = secrets.map((s) => ({
      name: s.SecretName ?? "?",
      path: secretPath(s.File?.Name ?? s.SecretName ?? "?"),
      mode: s.File?.Mode,
    }));
    const known = (id: string | undefined) => facts.secrets.find((x) => x.ID === id);
    evidence.push(
      {
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "ContainerSpec.Secrets",
        observed: mounts.map(
          (m) =>
            `${m.name} → ${m.path}${m.mode !== undefined ? ` (mode ${m.mode.toString(8).padStart(4, "0")})` : ""}`,
        ),
        expected: `a secret file that ${fileVar} names`,
      },
      {
        // Keys only: values may be credentials.
        source: `${SERVICES} ${svc.Spec.Name}`,
        field: "ContainerSpec.Env keys",
        observed: [...env.keys()],
        expected: `${fileVar}=/run/secrets/…, no ${p.variable}`,
      },
    );
    const inline = env.get(p.variable);
    const filePath = env.get(fileVar);
    const leaking = [...env.entries()].filter(([k, v]) => k !== p.variable && URL_WITH_PASSWORD.test(v));
    if (inline !== undefined && inline !== "") {
      problems.push(
        `${name} has ${p.variable} in its environment${filePath ? ` as well as ${fileVar} (the app refuses both)` : ""}: anyone who can inspect the service reads it`,
      );
      continue;
    }
    if (leaking.length) {
      problems.push(
        `${name} has a password written in ${leaking.map(([k]) => k).join(", ")} in its environment`,
      );
      continue;
    }
    if (!filePath) {
      problems.push(
        mounts.length
          ? `${name} mounts ${mounts.map((m) => m.path).join(", ")} but has no ${fileVar} saying where to read it`
          : `${name} has neither ${p.variable} nor ${fileVar}, and mounts no secret`,
      );
      continue;
    }
    const mount = mounts.find((m) => m.path === filePath);
    if (!mount) {
      problems.push(
        mounts.length
          ? `${name}'s ${fileVar} is ${filePath}, but its secrets are at ${mounts.map((m) => m.path).join(", ")}`
          : `${name}'s ${fileVar} is ${filePath}, but the service mounts no Docker secret (a file that is not a secret is not one)`,
      );
      continue;
    }
    const secret = secrets.find((s) => secretPath(s.File?.Name ?? s.SecretName ?? "") === filePath);
    const meta = known(secret?.SecretID);
    evidence.push({
      source: SECRETS,
      field: "Spec.Name / CreatedAt",
      observed: meta
        ? `${meta.Spec?.Name}, created ${meta.CreatedAt ?? "?"}`
        : `(${secret?.SecretID ?? "?"} not listed)`,
      expected: "the secret the service mounts",
    });
    if (mount.mode !== undefined && (mount.mode & 0o444) === 0)
      problems.push(`${name}'s secret ${filePath} has mode ${mount.mode.toString(8)}: nobody can read it`);
  }
  if (problems.length) return fail(`${problems.join("; ")}.`, evidence);
  return pass(
    `${p.services.join(", ")} read ${p.variable} from a Docker secret file (${fileVar}); it is not in their environment.`,
    evidence,
  );
}

export const dbSecret = defineCheck({
  id: "swarm.secret.database-url",
  title: "Database URL injected as a Docker secret",
  kind: "snapshot",
  watches: { objects: ["service", "secret"] },
  params: Params,
  collect: (ctx) => collectCluster(ctx),
  evaluate: evaluateSecret,
});
