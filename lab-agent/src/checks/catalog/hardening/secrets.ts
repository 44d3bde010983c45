import { scanEnv } from "../../parsers/secret-scan.ts";
import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

/** A secret file a container has: Swarm and Compose both mount them under /run/secrets (or a target). */
function secretFiles(r: Reviewed, facts: HardeningFacts): string[] {
  const svc = r.form === "stack" ? facts.cluster.services.find((s) => s.Spec.Name === r.service) : undefined;
  const fromSpec = (svc?.Spec.TaskTemplate?.ContainerSpec?.Secrets ?? []).map((s) => {
    const f = s.File?.Name ?? s.SecretName ?? "?";
    return f.startsWith("/") ? f : `/run/secrets/${f}`;
  });
  const fromMounts = (r.inspect.Mounts ?? []).flatMap((m) =>
    m.Destination?.startsWith("/run/secrets/") ? [m.Destination] : [],
  );
  return [...new Set([...fromSpec, ...fromMounts])];
}

export function judgeSecrets(r: Reviewed, facts: HardeningFacts) {
  const env = r.inspect.Config?.Env ?? [];
  const findings = scanEnv(env, "Config.Env");
  const files = secretFiles(r, facts);
  const pointers = env.flatMap((e) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*_FILE)=(.*)$/.exec(e);
    return m ? [{ key: m[1] as string, path: m[2] as string }] : [];
  });
  const dangling = pointers.filter((v) => !files.includes(v.path));
  const observed = {
    "secret files": files,
    "*_FILE": pointers.map((v) => `${v.key}=${v.path}`),
    "secret-like variables": findings.map((f) => `${f.key}=${f.masked}`),
  };
  const problems = [
    ...findings.map((f) => `${f.key} holds a secret in its environment (${f.masked})`),
    ...dangling.map((v) => `${v.key} names ${v.path}, which is no secret mounted in it`),
  ];
  if (problems.length) return { problem: problems.join("; "), observed };
  if (files.length === 0 && pointers.length === 0)
    return { problem: "it gets no secret file at all (where do its credentials come from?)", observed };
  return { observed };
}

export function evaluateSecrets(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Secrets",
    field: "secrets",
    expected: "credentials as secret files (/run/secrets/…), none in the environment",
    judge: judgeSecrets,
    bench: [],
    passSummary: (cs) => `${count(cs)} read their credentials from secret files; none is in an environment.`,
  });
}

export const hardeningSecrets = hardeningCheck(
  "hardening.secrets.files",
  "Secrets from files, not the environment",
  evaluateSecrets,
);
