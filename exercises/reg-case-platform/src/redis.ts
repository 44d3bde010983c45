import { createClient } from "@redis/client";
import type { Logger } from "./logger.ts";

export type Redis = ReturnType<typeof createRedis>;

/**
 * A client that reconnects forever with a capped back-off, and fails commands at once while
 * disconnected (instead of queueing them), so /ready and request handlers answer promptly.
 */
export function createRedis(options: { url: string; name: string; log: Logger }) {
  const client = createClient({
    url: options.url,
    name: options.name,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000),
    },
  });
  let lastLogged = 0;
  client.on("error", (error: Error) => {
    // One line per 5 s at most while Redis is away: reconnect attempts are frequent.
    if (Date.now() - lastLogged > 5_000) {
      lastLogged = Date.now();
      options.log.warn({ err: { message: error.message } }, "redis connection problem");
    }
  });
  client.on("ready", () => options.log.info("redis connected"));
  return client;
}

/** Runs `work`, failing after `ms` milliseconds. */
export async function withTimeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
