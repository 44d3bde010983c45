import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "./errors.ts";

export const modes = ["api", "worker", "migrate", "seed", "test-integration"] as const;
export type Mode = (typeof modes)[number];

/** Variables that may hold credentials: each can also come from `<NAME>_FILE` (Docker secrets). */
export const secretVariables = ["DATABASE_URL", "REDIS_URL"] as const;
type SecretVariable = (typeof secretVariables)[number];

type Env = Record<string, string | undefined>;
type ReadFile = (path: string) => string;

const required = (name: string) => ({
  error: (issue: { input: unknown }) =>
    issue.input === undefined ? `${name} is required` : `${name} must be a string`,
});

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

// Never echo a secret's value in a message: say what is wrong with it instead.
const databaseUrl = z
  .string(required("DATABASE_URL"))
  .regex(/^postgres(ql)?:\/\/\S+$/, "DATABASE_URL must be a postgres:// or postgresql:// URL");
const redisUrl = z
  .string(required("REDIS_URL"))
  .regex(/^rediss?:\/\/\S+$/, "REDIS_URL must be a redis:// or rediss:// URL");

const common = {
  APP_ENV: z
    .enum(["development", "test", "production"], {
      error: "APP_ENV must be development, test or production",
    })
    .default("development"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  DATABASE_URL: databaseUrl,
  DB_POOL_MAX: int("DB_POOL_MAX", 1, 100).default(10),
};

const http = {
  APP_HOST: z.string().default("0.0.0.0"),
  APP_PORT: int("APP_PORT", 1, 65535).default(8080),
  // Docker waits 10 s between SIGTERM and SIGKILL by default: finish well before that.
  SHUTDOWN_TIMEOUT_MS: int("SHUTDOWN_TIMEOUT_MS", 0, 60_000).default(8_000),
};

const events = {
  REDIS_URL: redisUrl,
  EVENTS_STREAM: z.string().min(1).default("case-events"),
  EVENTS_GROUP: z.string().min(1).default("audit-writer"),
};

const schemas = {
  api: z.object({ ...common, ...http, ...events }).transform((e) => ({
    mode: "api" as const,
    ...base(e),
    http: { host: e.APP_HOST, port: e.APP_PORT },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redis: { url: e.REDIS_URL },
    events: { stream: e.EVENTS_STREAM, group: e.EVENTS_GROUP },
  })),
  worker: z
    .object({
      ...common,
      ...http,
      ...events,
      WORKER_CONSUMER: z.string().min(1).default(`${hostname()}-${process.pid}`),
      WORKER_BATCH_SIZE: int("WORKER_BATCH_SIZE", 1, 1000).default(32),
      WORKER_BLOCK_MS: int("WORKER_BLOCK_MS", 100, 5_000).default(2_000),
      WORKER_CLAIM_IDLE_MS: int("WORKER_CLAIM_IDLE_MS", 1_000, 3_600_000).default(30_000),
    })
    .transform((e) => ({
      mode: "worker" as const,
      ...base(e),
      http: { host: e.APP_HOST, port: e.APP_PORT },
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      redis: { url: e.REDIS_URL },
      events: { stream: e.EVENTS_STREAM, group: e.EVENTS_GROUP },
      worker: {
        consumer: e.WORKER_CONSUMER,
        batchSize: e.WORKER_BATCH_SIZE,
        blockMs: e.WORKER_BLOCK_MS,
        claimIdleMs: e.WORKER_CLAIM_IDLE_MS,
      },
    })),
  migrate: z
    .object({
      ...common,
      MIGRATIONS_DIR: z
        .string()
        .min(1)
        .default(fileURLToPath(new URL("../migrations", import.meta.url))),
      MIGRATE_LOCK_TIMEOUT_MS: int("MIGRATE_LOCK_TIMEOUT_MS", 0, 3_600_000).default(30_000),
      MIGRATE_STATEMENT_TIMEOUT_MS: int("MIGRATE_STATEMENT_TIMEOUT_MS", 100, 3_600_000).default(60_000),
    })
    .transform((e) => ({
      mode: "migrate" as const,
      ...base(e),
      migrations: {
        dir: e.MIGRATIONS_DIR,
        lockTimeoutMs: e.MIGRATE_LOCK_TIMEOUT_MS,
        statementTimeoutMs: e.MIGRATE_STATEMENT_TIMEOUT_MS,
      },
    })),
  seed: z.object(common).transform((e) => ({ mode: "seed" as const, ...base(e) })),
  // The integration tests talk to a running api over HTTP only: no database, no Redis.
  "test-integration": z
    .object({
      APP_ENV: common.APP_ENV,
      LOG_LEVEL: common.LOG_LEVEL,
      API_URL: z
        .string({
          error: (i) => (i.input === undefined ? "API_URL is required" : "API_URL must be a string"),
        })
        .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, "API_URL must be an http:// or https:// URL"),
      TEST_READY_TIMEOUT_MS: int("TEST_READY_TIMEOUT_MS", 0, 600_000).default(30_000),
      TEST_AUDIT_TIMEOUT_MS: int("TEST_AUDIT_TIMEOUT_MS", 100, 600_000).default(30_000),
    })
    .transform((e) => ({
      mode: "test-integration" as const,
      env: e.APP_ENV,
      logLevel: e.LOG_LEVEL,
      apiUrl: e.API_URL.replace(/\/+$/, ""),
      readyTimeoutMs: e.TEST_READY_TIMEOUT_MS,
      auditTimeoutMs: e.TEST_AUDIT_TIMEOUT_MS,
    })),
};

function base(e: z.output<z.ZodObject<typeof common>>) {
  return { env: e.APP_ENV, logLevel: e.LOG_LEVEL, database: { url: e.DATABASE_URL, poolMax: e.DB_POOL_MAX } };
}

export type ApiConfig = z.infer<typeof schemas.api>;
export type WorkerConfig = z.infer<typeof schemas.worker>;
export type MigrateConfig = z.infer<typeof schemas.migrate>;
export type SeedConfig = z.infer<typeof schemas.seed>;
export type TestIntegrationConfig = z.infer<(typeof schemas)["test-integration"]>;
type ConfigFor = {
  api: ApiConfig;
  worker: WorkerConfig;
  migrate: MigrateConfig;
  seed: SeedConfig;
  "test-integration": TestIntegrationConfig;
};

/**
 * Reads the configuration of one mode from the environment. Throws a ConfigError that names every
 * missing or invalid variable (never its secret value).
 */
export function loadConfig<M extends Mode>(
  mode: M,
  env: Env = process.env,
  readFile: ReadFile = (path) => readFileSync(path, "utf8"),
): ConfigFor[M] {
  const problems: string[] = [];
  const resolved = resolveEnv(env, readFile, problems);
  const result = schemas[mode].safeParse(resolved);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? "");
      const isSecret = (secretVariables as readonly string[]).includes(name);
      // A `_FILE` that could not be read has been reported already: "is required" would mislead.
      if (isSecret && resolved[name] === undefined && resolved[`${name}_FILE`] !== undefined) continue;
      const hint =
        isSecret && resolved[name] === undefined ? ` (or set ${name}_FILE to a file that holds it)` : "";
      problems.push(`${issue.message}${hint}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result.data as ConfigFor[M];
}

/**
 * Empty values count as unset (Compose passes `FOO=` through as ""), and `<NAME>_FILE` is read
 * for secrets: one trailing newline is dropped, since `echo` and editors add one.
 */
export function resolveEnv(env: Env, readFile: ReadFile, problems: string[]): Env {
  const out: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== "") out[key] = value;
  }
  for (const name of secretVariables) {
    const fileVar = `${name}_FILE` as `${SecretVariable}_FILE`;
    const path = out[fileVar];
    if (path === undefined) continue;
    if (out[name] !== undefined) {
      problems.push(`set ${name} or ${fileVar}, not both`);
      continue;
    }
    try {
      const content = readFile(path).replace(/\r?\n$/, "");
      if (content.trim() === "") problems.push(`${fileVar} points to an empty file (${path})`);
      else out[name] = content;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      problems.push(`${fileVar} points to ${path}, which cannot be read (${code})`);
    }
  }
  return out;
}
