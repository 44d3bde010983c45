import type Docker from "dockerode";
import { z } from "zod";
import type { SwarmService } from "./collect-swarm.ts";

/**
 * What a swarm service went through, recorded while the agent runs: the daemon keeps only
 * its last 256 events, and a finished rollback overwrites UpdateStatus.Message (which is
 * the only place that says whether it was automatic).
 */
export const HistoryEvent = z.object({
  at: z.string(),
  service: z.string(),
  /** update-state: UpdateStatus changed; image: Spec image changed. */
  kind: z.enum(["update-state", "image"]),
  old: z.string().nullable(),
  new: z.string().nullable(),
  message: z.string().nullable(),
  /** The Spec image when it was seen. */
  image: z.string().nullable(),
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;

export interface SwarmHistory {
  events(lab: string, service: string): HistoryEvent[];
  record(lab: string, event: HistoryEvent): void;
}

interface Seen {
  state: string | null;
  message: string | null;
  image: string | null;
}

/** Compares a poll of the services with the last one and returns what changed. */
export function diffServices(
  previous: Map<string, Seen>,
  services: SwarmService[],
  at: string,
): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (const s of services) {
    const name = s.Spec.Name ?? s.ID;
    const now: Seen = {
      state: s.UpdateStatus?.State ?? null,
      message: s.UpdateStatus?.Message ?? null,
      image: s.Spec.TaskTemplate?.ContainerSpec?.Image ?? null,
    };
    const before = previous.get(name);
    previous.set(name, now);
    if (!before) continue;
    if (before.image !== now.image) {
      events.push({
        at,
        service: name,
        kind: "image",
        old: before.image,
        new: now.image,
        message: null,
        image: now.image,
      });
    }
    if (before.state !== now.state || before.message !== now.message) {
      events.push({
        at,
        service: name,
        kind: "update-state",
        old: before.state,
        new: now.state,
        message: now.message,
        image: now.image,
      });
    }
  }
  return events;
}

/**
 * Records service changes on the manager while the agent runs: polls UpdateStatus every
 * second, and at once when a service event arrives. Stops with the returned function.
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
  const poll = async () => {
    try {
      const docker = await manager();
      const services = (await docker.listServices()) as unknown as SwarmService[];
      const events = diffServices(seen, services, new Date().toISOString());
      for (const e of events) history.record(lab, e);
      if (events.length) onChange(events);
    } catch {
      // Not a swarm (yet), or the lab is down: nothing to record.
    }
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
