import { randomUUID } from "node:crypto";
import { z } from "zod";
import { CaseStatus } from "./lifecycle.ts";
import type { Redis } from "./redis.ts";

export const CaseEventType = z.enum(["case.opened", "case.transitioned"]);

/** A case event as it travels on the Redis Stream: flat string fields, readable with XRANGE. */
export const CaseEvent = z.object({
  eventId: z.uuid(),
  type: CaseEventType,
  caseId: z.uuid(),
  fromStatus: z.preprocess((v) => (v === "" ? null : v), CaseStatus.nullable()),
  toStatus: CaseStatus,
  actor: z.string().min(1),
  reason: z.preprocess((v) => (v === "" ? null : v), z.string().nullable()),
  occurredAt: z.iso.datetime({ offset: true }),
});
export type CaseEvent = z.infer<typeof CaseEvent>;

export function newCaseEvent(fields: Omit<CaseEvent, "eventId" | "occurredAt">): CaseEvent {
  return { eventId: randomUUID(), occurredAt: new Date().toISOString(), ...fields };
}

export function toStreamFields(event: CaseEvent): Record<string, string> {
  return {
    eventId: event.eventId,
    type: event.type,
    caseId: event.caseId,
    fromStatus: event.fromStatus ?? "",
    toStatus: event.toStatus,
    actor: event.actor,
    reason: event.reason ?? "",
    occurredAt: event.occurredAt,
  };
}

/** Caps the stream so Redis memory stays bounded; `~` lets Redis trim in cheap, whole chunks. */
const streamMaxLength = 100_000;

export async function publishCaseEvent(redis: Redis, stream: string, event: CaseEvent): Promise<string> {
  return redis.xAdd(stream, "*", toStreamFields(event), {
    TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: streamMaxLength },
  });
}

const StreamMessage = z.object({ id: z.string(), message: z.record(z.string(), z.string()) });
export type StreamMessage = z.infer<typeof StreamMessage>;
const ReadGroupReply = z.array(z.object({ name: z.string(), messages: z.array(StreamMessage) })).nullable();
const AutoClaimReply = z.object({ nextId: z.string(), messages: z.array(StreamMessage.nullable()) });

/** Creates the consumer group (and the stream) unless it exists; "0" so no earlier event is skipped. */
export async function ensureConsumerGroup(redis: Redis, stream: string, group: string): Promise<void> {
  try {
    await redis.xGroupCreate(stream, group, "0", { MKSTREAM: true });
  } catch (error) {
    if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
  }
}

/** Reads for one consumer: `id` ">" for new entries, "0" for this consumer's unacknowledged ones. */
export async function readGroup(
  redis: Redis,
  options: {
    stream: string;
    group: string;
    consumer: string;
    id: ">" | "0";
    count: number;
    blockMs?: number;
  },
): Promise<StreamMessage[]> {
  const reply = await redis.xReadGroup(
    options.group,
    options.consumer,
    { key: options.stream, id: options.id },
    { COUNT: options.count, ...(options.blockMs !== undefined ? { BLOCK: options.blockMs } : {}) },
  );
  return (ReadGroupReply.parse(reply) ?? []).flatMap((s) => s.messages);
}

/** Takes over entries another consumer received but never acknowledged (it crashed, say). */
export async function claimStale(
  redis: Redis,
  options: { stream: string; group: string; consumer: string; minIdleMs: number; count: number },
): Promise<number> {
  const reply = AutoClaimReply.parse(
    await redis.xAutoClaim(options.stream, options.group, options.consumer, options.minIdleMs, "0-0", {
      COUNT: options.count,
    }),
  );
  return reply.messages.filter((m) => m !== null).length;
}

const GroupInfo = z.object({
  name: z.string(),
  pending: z.number(),
  "last-delivered-id": z.string(),
  // Redis 7 reports the lag, or null when it cannot tell (after some deletions).
  lag: z.number().nullable().optional(),
});

/** Counting past this many undelivered entries would make every scrape expensive. */
const maxCountedLag = 10_000;

/**
 * Queue depth for one consumer group: entries not yet delivered ("waiting") and delivered but
 * not acknowledged ("pending"). Without the group yet, every entry in the stream is waiting.
 */
export async function queueDepth(
  redis: Redis,
  stream: string,
  group: string,
): Promise<{ waiting: number; pending: number }> {
  const length = await redis.xLen(stream);
  if (length === 0) return { waiting: 0, pending: 0 };
  const groups = z.array(GroupInfo).parse(await redis.xInfoGroups(stream).catch(() => []));
  const info = groups.find((g) => g.name === group);
  if (!info) return { waiting: length, pending: 0 };
  if (typeof info.lag === "number") return { waiting: info.lag, pending: info.pending };
  const after = await redis.xRange(stream, `(${info["last-delivered-id"]}`, "+", { COUNT: maxCountedLag });
  return { waiting: after.length, pending: info.pending };
}
