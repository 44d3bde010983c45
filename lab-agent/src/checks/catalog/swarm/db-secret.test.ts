import { describe, expect, it } from "vitest";
import type { ClusterFacts } from "../../collectors/swarm-cluster.ts";
import { evaluateSecret, secretPath } from "./db-secret.ts";
import { clone, recordedCluster, service } from "./fixtures/load.ts";

const params = { stack: "reg-case", services: ["case-api", "worker"], variable: "DATABASE_URL" };
const solved = recordedCluster();
const URL = "postgres://case:case-swarm-pw@postgres:5432/case";

type Secret = {
  SecretID?: string;
  SecretName?: string;
  File?: { Name?: string; UID?: string; GID?: string; Mode?: number };
};
/** The api's container spec as `docker stack deploy` writes it from environment: and secrets:. */
const api =
  (edit: { env?: string[]; secrets?: Secret[] }, name = "reg-case_case-api") =>
  (c: ClusterFacts) => {
    const cs = service(c, name).Spec.TaskTemplate?.ContainerSpec ?? {};
    if (edit.env) cs.Env = edit.env;
    if (edit.secrets) cs.Secrets = edit.secrets;
  };
const recorded = solved.services.find((s) => s.Spec.Name === "reg-case_case-api")?.Spec.TaskTemplate
  ?.ContainerSpec?.Secrets?.[0] as Secret;
const file = (name: string, mode = 0o444) => ({ Name: name, UID: "0", GID: "0", Mode: mode });

type Variant = [name: string, edit: (c: ClusterFacts) => void, status: "pass" | "fail", summary: RegExp];
const variants: Variant[] = [
  [
    "the reference: secrets: [database_url], DATABASE_URL_FILE=/run/secrets/database_url",
    () => {},
    "pass",
    /read DATABASE_URL from a Docker secret file/,
  ],
  [
    "long syntax with another target: {source: database_url, target: db_url}",
    api({
      env: ["APP_ENV=production", "DATABASE_URL_FILE=/run/secrets/db_url", "REDIS_URL=redis://redis:6379/0"],
      secrets: [{ ...recorded, File: file("db_url", 0o440) }],
    }),
    "pass",
    /Docker secret file/,
  ],
  [
    "a versioned secret (database_url_v2, the way to rotate an immutable secret) at the same target",
    api({ secrets: [{ ...recorded, SecretName: "database_url_v2", File: file("database_url") }] }),
    "pass",
    /Docker secret file/,
  ],
  [
    "a stack-created secret from a file (secrets: database_url: file: ./database_url.txt → reg-case_database_url)",
    api({ secrets: [{ ...recorded, SecretName: "reg-case_database_url", File: file("database_url") }] }),
    "pass",
    /Docker secret file/,
  ],
  [
    "an absolute target (/etc/case/database_url), which Swarm allows",
    api({
      env: ["APP_ENV=production", "DATABASE_URL_FILE=/etc/case/database_url"],
      secrets: [{ ...recorded, File: file("/etc/case/database_url") }],
    }),
    "pass",
    /Docker secret file/,
  ],
  [
    'DATABASE_URL= left empty beside the _FILE (Compose passes it as ""; the app treats it as unset)',
    api({ env: ["APP_ENV=production", "DATABASE_URL=", "DATABASE_URL_FILE=/run/secrets/database_url"] }),
    "pass",
    /Docker secret file/,
  ],
  [
    "DATABASE_URL with the password in the environment, as in the Compose file",
    api({ env: ["APP_ENV=production", `DATABASE_URL=${URL}`, "REDIS_URL=redis://redis:6379/0"] }),
    "fail",
    /case-api has DATABASE_URL in its environment: anyone who can inspect the service reads it/,
  ],
  [
    "both DATABASE_URL and DATABASE_URL_FILE (the secret is mounted, the old variable stayed)",
    api({ env: [`DATABASE_URL=${URL}`, "DATABASE_URL_FILE=/run/secrets/database_url"] }, "reg-case_worker"),
    "fail",
    /worker has DATABASE_URL in its environment as well as DATABASE_URL_FILE/,
  ],
  [
    "_FILE points at database-url, the secret is at database_url",
    api({ env: ["DATABASE_URL_FILE=/run/secrets/database-url"] }),
    "fail",
    /case-api's DATABASE_URL_FILE is \/run\/secrets\/database-url, but its secrets are at \/run\/secrets\/database_url/,
  ],
  [
    "_FILE set, but secrets: forgotten on the service",
    api({ secrets: [] }, "reg-case_worker"),
    "fail",
    /worker's DATABASE_URL_FILE is \/run\/secrets\/database_url, but the service mounts no Docker secret/,
  ],
  [
    "the secret is mounted, but nothing tells the app where it is",
    api({ env: ["APP_ENV=production", "REDIS_URL=redis://redis:6379/0"] }),
    "fail",
    /case-api mounts \/run\/secrets\/database_url but has no DATABASE_URL_FILE/,
  ],
  [
    "the URL renamed (PG_URL=postgres://case:pw@…): the password is still in the environment",
    api({ env: ["DATABASE_URL_FILE=/run/secrets/database_url", `PG_URL=${URL}`] }),
    "fail",
    /case-api has a password written in PG_URL in its environment/,
  ],
  [
    "mode: 0 on the secret file: nobody can read it",
    api({ secrets: [{ ...recorded, File: file("database_url", 0) }] }),
    "fail",
    /has mode 0: nobody can read it/,
  ],
];

describe("swarm.secret.database-url on recorded services", () => {
  it.each(variants)("%s", (_name, edit, status, summary) => {
    const c = clone(solved);
    edit(c);
    const r = evaluateSecret(c, params);
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
    // Evidence names variables and secrets, never a value.
    expect(JSON.stringify(r.evidence)).not.toContain("case-swarm-pw");
  });

  it("places relative secret names under /run/secrets", () => {
    expect(secretPath("database_url")).toBe("/run/secrets/database_url");
    expect(secretPath("/etc/x")).toBe("/etc/x");
  });
});
