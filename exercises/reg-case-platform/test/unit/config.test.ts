import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { ConfigError, ExitCode } from "../../src/errors.ts";
import { scratchDir } from "../support/app.ts";

const db = "postgres://case:s3cret@db:5432/case";
const redis = "redis://redis:6379/0";

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("applies defaults for the api", () => {
    const config = loadConfig("api", { DATABASE_URL: db, REDIS_URL: redis });
    expect(config).toMatchObject({
      mode: "api",
      env: "development",
      logLevel: "info",
      database: { url: db, poolMax: 10 },
      redis: { url: redis },
      http: { host: "0.0.0.0", port: 8080 },
      shutdownTimeoutMs: 8000,
      events: { stream: "case-events", group: "audit-writer" },
    });
  });

  it("reads numbers from text", () => {
    const config = loadConfig("api", {
      DATABASE_URL: db,
      REDIS_URL: redis,
      APP_PORT: "9090",
      DB_POOL_MAX: "3",
    });
    expect(config.http.port).toBe(9090);
    expect(config.database.poolMax).toBe(3);
  });

  it("names a missing DATABASE_URL and how else to provide it, with exit code 78", () => {
    const error = configError(() => loadConfig("migrate", {}));
    expect(error.exitCode).toBe(ExitCode.config);
    expect(error.exitCode).toBe(78);
    expect(error.problems).toEqual([
      "DATABASE_URL is required (or set DATABASE_URL_FILE to a file that holds it)",
    ]);
  });

  it("needs REDIS_URL for api and worker, not for migrate or seed", () => {
    expect(configError(() => loadConfig("api", { DATABASE_URL: db })).problems).toEqual([
      "REDIS_URL is required (or set REDIS_URL_FILE to a file that holds it)",
    ]);
    expect(configError(() => loadConfig("worker", { DATABASE_URL: db })).problems).toHaveLength(1);
    expect(loadConfig("migrate", { DATABASE_URL: db }).mode).toBe("migrate");
    expect(loadConfig("seed", { DATABASE_URL: db }).mode).toBe("seed");
  });

  it("reports every problem at once", () => {
    const error = configError(() => loadConfig("api", { APP_PORT: "70000", LOG_LEVEL: "loud" }));
    expect(error.problems).toEqual(
      expect.arrayContaining([
        "APP_PORT must be at most 65535",
        "LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent",
        expect.stringContaining("DATABASE_URL is required"),
        expect.stringContaining("REDIS_URL is required"),
      ]),
    );
  });

  it("treats empty values as unset", () => {
    expect(configError(() => loadConfig("seed", { DATABASE_URL: "" })).problems[0]).toContain(
      "DATABASE_URL is required",
    );
    expect(loadConfig("api", { DATABASE_URL: db, REDIS_URL: redis, APP_PORT: "" }).http.port).toBe(8080);
  });

  it("never puts a secret's value in a message", () => {
    const error = configError(() => loadConfig("seed", { DATABASE_URL: "mysql://root:hunter2@db/x" }));
    expect(error.message).toContain("DATABASE_URL must be a postgres:// or postgresql:// URL");
    expect(error.message).not.toContain("hunter2");
  });
});

describe("*_FILE secrets", () => {
  const dir = scratchDir("config");
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it("reads DATABASE_URL from DATABASE_URL_FILE, dropping the trailing newline", () => {
    const config = loadConfig("seed", { DATABASE_URL_FILE: file("db", `${db}\n`) });
    expect(config.database.url).toBe(db);
  });

  it("reads REDIS_URL from REDIS_URL_FILE", () => {
    const config = loadConfig("api", { DATABASE_URL: db, REDIS_URL_FILE: file("redis", redis) });
    expect(config.redis.url).toBe(redis);
  });

  it("refuses both the variable and its _FILE", () => {
    const error = configError(() =>
      loadConfig("seed", { DATABASE_URL: db, DATABASE_URL_FILE: file("db2", db) }),
    );
    expect(error.problems).toEqual(["set DATABASE_URL or DATABASE_URL_FILE, not both"]);
  });

  it("names an unreadable file and why", () => {
    const missing = join(dir, "nope");
    const error = configError(() => loadConfig("seed", { DATABASE_URL_FILE: missing }));
    expect(error.problems).toEqual([`DATABASE_URL_FILE points to ${missing}, which cannot be read (ENOENT)`]);
  });

  it("refuses an empty secret file", () => {
    const error = configError(() => loadConfig("seed", { DATABASE_URL_FILE: file("empty", "\n") }));
    expect(error.problems[0]).toContain("DATABASE_URL_FILE points to an empty file");
  });

  it("validates the file's content like the variable's", () => {
    const error = configError(() => loadConfig("seed", { DATABASE_URL_FILE: file("bad", "not a url") }));
    expect(error.problems).toEqual(["DATABASE_URL must be a postgres:// or postgresql:// URL"]);
  });
});
