import type Docker from "dockerode";
import { z } from "zod";
import type { SwarmService } from "./collect-swarm.ts";

/**
 * What a swarm service went through, recorded while the agent runs: the daemon keeps only
 * its last 256 events, a finished rollback overwrites UpdateStatus.Message (the only place
 * that says whether it was automatic), and the next `service update` clears UpdateStatus.
 *
 * Keyed by service ID, not name: `docker stack rm` + `docker stack deploy` makes a new
 * service with the same name, and its history starts afresh.
 */
export const HistoryEvent = z.object({
  at: z.string(),
  /** The service's ID (rows written before IDs were used hold its name and match no ID). */
  service: z.string(),
  /** The service's name when it was seen. */
  name: z.string().nullable().default(null),
  /**
   * seen: the recorder saw this service for the first time since it started (what it was then);
   * update-state: UpdateStatus changed (State, Message or StartedAt); image: Spec image changed;
   * removed: the service is gone.
   */
  kind: z.enum(["seen", "update-state", "image", "removed"]),
  old: z.string().nullable(),
  new: z.string().nullable(),
  message: z.string().nullable(),
  /** The Spec image when it was seen. */
  image: z.string().nullable(),
  /** The PreviousSpec image when it was seen. */
  previousImage: z.string().nullable().default(null),
  /** UpdateStatus.StartedAt when it was seen: two updates in a row differ here. */
  startedAt: z.string().nullable().default(null),
  /** The service's CreatedAt (on `seen`): tells whether the record covers its whole life. */
  createdAt: z.string().nullable().default(null),
});
export type HistoryEvent = z.output<typeof HistoryEvent>;
export type HistoryEventInput = z.input<typeof HistoryEvent>;

export interface SwarmHistory {
  /** The events of one service (by ID), oldest first. */
  events(lab: string, service: string): HistoryEvent[];
  record(lab: string, event: HistoryEventInput): void;
}

interface Seen {
  name: string | null;
  state: string | null;
  message: string | null;
  startedAt: string | null;
  image: string | null;
  previousImage: string | null;
}

type PolledService = SwarmService & { CreatedAt?: string };

/**
 * Compares a poll of the services with the last one and returns what changed, by service ID.
 * With `sightings`, a service seen for the first time gives a `seen` event (what it was then),
 * and a service that is gone gives `removed`.
 */
export function diffServices(
  previous: Map<string, Seen>,
  services: PolledService[],
  at: string,
  opts: { sightings?: boolean } = {},
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const base = (s: PolledService, now: Seen) => ({
    at,
    service: s.ID,
    name: now.name,
    image: now.image,
    previousImage: now.previousImage,
    startedAt: now.startedAt,
    createdAt: null,
  });
  const present = new Set<string>();
  for (const s of services) {
    present.add(s.ID);
    const now: Seen = {
      name: s.Spec.Name ?? null,
      state: s.UpdateStatus?.State ?? null,
      message: s.UpdateStatus?.Message ?? null,
      startedAt: s.UpdateStatus?.StartedAt ?? null,
      image: s.Spec.TaskTemplate?.ContainerSpec?.Image ?? null,
      previousImage: s.PreviousSpec?.TaskTemplate?.ContainerSpec?.Image ?? null,
    };
    const before = previous.get(s.ID);
    previous.set(s.ID, now);
    if (!before) {
      if (opts.sightings) {
        events.push({
          ...base(s, now),
          kind: "seen",
          old: null,
          new: now.state,
          message: now.message,
          createdAt: s.CreatedAt ?? null,
        });
      }
      continue;
    }
    if (before.image !== now.image) {
      events.push({ ...base(s, now), kind: "image", old: before.image, new: now.image, message: null });
    }
    if (before.state !== now.state || before.message !== now.message || before.startedAt !== now.startedAt) {
      events.push({
        ...base(s, now),
        kind: "update-state",
        old: before.state,
        new: now.state,
        message: now.message,
      });
    }
  }
  if (opts.sightings) {
    for (const [id, before] of previous) {
      if (present.has(id)) continue;
      previous.delete(id);
      events.push({
        at,
        service: id,
        name: before.name,
        kind: "removed",
        old: null,
        new: null,
        message: null,
        image: before.image,
        previousImage: before.previousImage,
        startedAt: before.startedAt,
        createdAt: null,
      });
    }
  }
  return events;
}

/**
 * Records service changes on the manager while the agent runs: polls UpdateStatus every
 * second, and at once when a service event arrives. Stops with the returned function.
 * Each start records a `seen` event per service, so a reader knows from when the record holds.
 */
export function recordSwarmHistory(
  manager: () => Promise<Docker>,
  lab: string,
  history: SwarmHistory,
  onChange: (events: HistoryEvent[]) => void = () => {},
  intervalMs = 1000,
): () => void {
  const seen = new Map<string, Seen>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let eventStream: NodeJS.ReadableStream | undefined;
  let polling: Promise<void> | undefined;
  let again = false;
  const pollOnce = async () => {
    try {
      const docker = await manager();
      const services = (await docker.listServices()) as unknown as PolledService[];
      if (stopped) return;
      const events = diffServices(seen, services, new Date().toISOString(), { sightings: true });
      for (const e of events) history.record(lab, e);
      if (events.length) onChange(events);
    } catch {
      // Not a swarm (yet), or the lab is down: nothing to record.
    }
  };
  // One poll at a time (an event during a poll asks for one more), so no change is seen twice.
  const poll = (): Promise<void> => {
    if (polling) {
      again = true;
      return polling;
    }
    polling = (async () => {
      do {
        again = false;
        await pollOnce();
      } while (again && !stopped);
    })().finally(() => {
      polling = undefined;
    });
    return polling;
  };
  const loop = async () => {
    if (stopped) return;
    await poll();
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  void loop();
  void manager()
    .then((d) => d.getEvents({ filters: { type: ["service"] } }))
    .then((stream) => {
      if (stopped) return (stream as unknown as { destroy?: () => void }).destroy?.();
      eventStream = stream;
      stream.on("data", () => void poll());
      stream.on("error", () => {});
    })
    .catch(() => {});
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    (eventStream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  };
}
