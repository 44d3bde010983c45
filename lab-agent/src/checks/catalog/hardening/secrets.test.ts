import { describe } from "vitest";
import { evaluateSecrets } from "./secrets.ts";
import type { Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const env =
  (...e: string[]) =>
  (r: { inspect: { Config?: { Env?: string[] } } }) => {
    r.inspect.Config = { ...r.inspect.Config, Env: [...(r.inspect.Config?.Env ?? []), ...e] };
  };
const v: Variant[] = [
  [
    "stack: DATABASE_URL_FILE and the secret db_url",
    "stack-hard",
    undefined,
    "pass",
    /read their credentials from secret files/,
  ],
  ["compose: a file secret at /run/secrets/db_url", "rec-hard-1", undefined, "pass", /secret files/],
  [
    "compose: a non-secret setting alongside (TOKEN_TTL=3600)",
    "rec-hard-1",
    env("TOKEN_TTL=3600"),
    "pass",
    /secret files/,
  ],
  [
    "compose: a password reference left unexpanded ($PGPASSWORD)",
    "rec-hard-1",
    env("PGPASSWORD=$PGPASSWORD"),
    "pass",
    /secret files/,
  ],
  [
    "compose: DATABASE_URL with the password in environment:",
    "rec-loose-1",
    undefined,
    "fail",
    /DATABASE_URL holds a secret in its environment/,
  ],
  [
    "stack: DATABASE_URL in the environment, as in the Compose file",
    "stack-loose",
    undefined,
    "fail",
    /DATABASE_URL holds a secret/,
  ],
  [
    "docker run -e API_TOKEN=…",
    "run-hard",
    env("API_TOKEN=s3cr3t-value-123"),
    "fail",
    /API_TOKEN holds a secret/,
  ],
  [
    "DATABASE_URL_FILE names a path no secret is mounted at",
    "stack-hard",
    (r) => {
      r.inspect.Config = { ...r.inspect.Config, Env: ["DATABASE_URL_FILE=/run/secrets/database-url"] };
    },
    "fail",
    /names \/run\/secrets\/database-url, which is no secret mounted in it/,
  ],
  [
    "no secret at all (credentials baked somewhere else)",
    "run-plain",
    undefined,
    "fail",
    /gets no secret file at all/,
  ],
];

describe("hardening.secrets.files on recorded containers", () => runVariants(v, evaluateSecrets));
