import type { WorkerConfig } from "../config.ts";
import type { Pool } from "../db.ts";
import { CaseEvent, claimStale, ensureConsumerGroup, readGroup, type StreamMessage } from "../events.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import type { Redis } from "../redis.ts";
import { sleep } from "../signals.ts";
import { recordAudit } from "./audit.ts";

/** After this many failed attempts an event goes to the dead-letter stream instead of blocking the queue. */
const maxAttempts = 5;

export type Outcome = "written" | "duplicate" | "dead_letter";

/**
 * Consumes case events at least once and audits them exactly once (see recordAudit). Each pass:
 * take over entries a dead consumer left unacknowledged, retry this consumer's own unacknowledged
 * entries, then wait up to `blockMs` for new ones.
 */
export function createConsumer(deps: {
  config: WorkerConfig;
  pool: Pool;
  /** For commands; `reader` is a second connection because XREADGROUP BLOCK holds its connection. */
  redis: Redis;
  reader: Redis;
  metrics: Metrics;
  log: Logger;
}) {
  const { config, pool, redis, reader, metrics, log } = deps;
  const { stream, group } = config.events;
  const { consumer, batchSize, blockMs, claimIdleMs } = config.worker;
  const deadLetterStream = `${stream}:dead`;
  const attempts = new Map<string, number>();

  async function handle(message: StreamMessage): Promise<Outcome> {
    const parsed = CaseEvent.safeParse(message.message);
    if (!parsed.success) {
      await deadLetter(
        message,
        `malformed event: ${parsed.error.issues.map((i) => i.path.join(".")).join(", ")}`,
      );
      return "dead_letter";
    }
    try {
      return (await recordAudit(pool, parsed.data, message.id)) ? "written" : "duplicate";
    } catch (error) {
      const count = (attempts.get(message.id) ?? 0) + 1;
      attempts.set(message.id, count);
      if (count < maxAttempts) throw error;
      await deadLetter(message, `failed ${count} times: ${(error as Error).message}`);
      return "dead_letter";
    }
  }

  async function deadLetter(message: StreamMessage, error: string): Promise<void> {
    await redis.xAdd(deadLetterStream, "*", { ...message.message, sourceId: message.id, error });
    log.error({ streamId: message.id, error, deadLetterStream }, "event moved to the dead-letter stream");
  }

  async function processBatch(messages: StreamMessage[]): Promise<void> {
    for (const message of messages) {
      const outcome = await handle(message);
      // Acknowledge only after the audit row is committed: a crash in between means redelivery.
      await redis.xAck(stream, group, message.id);
      attempts.delete(message.id);
      metrics.eventsProcessed.inc({ result: outcome });
      log.info({ streamId: message.id, eventId: message.message.eventId, outcome }, "event audited");
    }
  }

  return {
    async run(isStopping: () => boolean): Promise<void> {
      let backoffMs = 0;
      let nextClaimAt = 0;
      while (!isStopping()) {
        // Wait out (re)connections quietly: the client reports them itself.
        if (!redis.isReady || !reader.isReady) {
          await sleep(100);
          continue;
        }
        try {
          await ensureConsumerGroup(redis, stream, group);
          if (Date.now() >= nextClaimAt) {
            const claimed = await claimStale(redis, {
              stream,
              group,
              consumer,
              minIdleMs: claimIdleMs,
              count: batchSize,
            });
            if (claimed > 0)
              log.info({ claimed }, "took over events left unacknowledged by another consumer");
            nextClaimAt = Date.now() + claimIdleMs / 2;
          }
          let messages = await readGroup(reader, { stream, group, consumer, id: "0", count: batchSize });
          if (messages.length === 0) {
            messages = await readGroup(reader, {
              stream,
              group,
              consumer,
              id: ">",
              count: batchSize,
              blockMs,
            });
          }
          await processBatch(messages);
          backoffMs = 0;
        } catch (error) {
          if (isStopping()) break;
          backoffMs = Math.min(Math.max(backoffMs * 2, 200), 5_000);
          log.warn(
            { err: { message: (error as Error).message }, retryInMs: backoffMs },
            "event processing failed",
          );
          await sleep(backoffMs);
        }
      }
    },
  };
}
