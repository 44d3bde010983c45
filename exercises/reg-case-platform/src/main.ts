import { loadConfig, type Mode, modes } from "./config.ts";
import { isConnectionError } from "./db.ts";
import { ExitCode, FatalError } from "./errors.ts";
import { createLogger, type Logger } from "./logger.ts";
import { runApi } from "./modes/api.ts";
import { runMigrate } from "./modes/migrate.ts";
import { runSeed } from "./modes/seed.ts";
import { runTestIntegration } from "./modes/test-integration.ts";
import { runWorker } from "./modes/worker.ts";

const usage = `usage: node dist/main.js <${modes.join("|")}>  (default: api)`;

/** One image, four commands: the mode is the first argument (the container's CMD). */
async function main(argv: string[]): Promise<number> {
  const mode = argv[2] ?? "api";
  if (mode === "--help" || mode === "-h") {
    process.stdout.write(`${usage}\n`);
    return ExitCode.ok;
  }
  if (!isMode(mode)) {
    fail(createLogger({ level: "info", mode: "unknown" }), `unknown mode "${mode}"; ${usage}`);
    return ExitCode.usage;
  }
  let log = createLogger({ level: "info", mode });
  try {
    switch (mode) {
      case "api": {
        const config = loadConfig("api");
        log = createLogger({ level: config.logLevel, mode });
        log.info({ config }, "starting");
        return await runApi(config, log);
      }
      case "worker": {
        const config = loadConfig("worker");
        log = createLogger({ level: config.logLevel, mode });
        log.info({ config }, "starting");
        return await runWorker(config, log);
      }
      case "migrate": {
        const config = loadConfig("migrate");
        log = createLogger({ level: config.logLevel, mode });
        log.info({ config }, "starting");
        return await runMigrate(config, log);
      }
      case "seed": {
        const config = loadConfig("seed");
        log = createLogger({ level: config.logLevel, mode });
        log.info({ config }, "starting");
        return await runSeed(config, log);
      }
      case "test-integration": {
        const config = loadConfig("test-integration");
        log = createLogger({ level: config.logLevel, mode });
        return await runTestIntegration(config, log);
      }
    }
  } catch (error) {
    if (error instanceof FatalError) {
      fail(log, error.message);
      return error.exitCode;
    }
    if (isConnectionError(error)) {
      fail(log, `a backing service is unreachable: ${(error as Error).message}`);
      return ExitCode.unavailable;
    }
    log.fatal({ err: error }, "unexpected error");
    return ExitCode.failure;
  }
}

function isMode(value: string): value is Mode {
  return (modes as readonly string[]).includes(value);
}

/** Fatal errors go to the JSON log and, as one plain line, to stderr for whoever is watching. */
function fail(log: Logger, message: string): void {
  log.fatal(message);
  process.stderr.write(`reg-case-platform: ${message}\n`);
}

process.on("uncaughtException", (error) => {
  fail(createLogger({ level: "info", mode: "crash" }), `uncaught exception: ${error.stack ?? error.message}`);
  process.exit(ExitCode.failure);
});

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`reg-case-platform: ${String(error)}\n`);
    process.exit(ExitCode.failure);
  },
);
