import * as z from "zod/mini";

/**
 * A workshop learner's own seat as the agent reports it (GET /api/workshop/me, their credential):
 * their lab's state, with what to do when it failed or was reaped, and the event's time left.
 */
export const MeLab = z.object({
  id: z.optional(z.string()),
  state: z.enum(["none", "provisioning", "ready", "failed", "removed"]),
  since: z.nullable(z.string()),
  message: z.string(),
  error: z.optional(z.string()),
  hint: z.optional(z.string()),
  logTail: z.optional(z.nullable(z.string())),
});
export type MeLab = z.infer<typeof MeLab>;

export const EventTime = z.object({
  until: z.string(),
  endedAt: z.nullable(z.string()),
  over: z.boolean(),
  minutesLeft: z.number(),
});
export type EventTime = z.infer<typeof EventTime>;

export const MeAnswer = z.object({
  learner: z.object({
    id: z.string(),
    name: z.string(),
    seat: z.number(),
    lab: z.string(),
    checksPassed: z.number(),
    practiceMinutes: z.number(),
  }),
  lab: MeLab,
  event: EventTime,
});
export type MeAnswer = z.infer<typeof MeAnswer>;

export const LabAgain = z.object({ lab: MeLab });

/** Whether the learner can ask for their lab again (POST /api/workshop/lab): it failed, or was reaped. */
export function canRestart(lab: MeLab, event: EventTime): boolean {
  return !event.over && (lab.state === "failed" || (lab.state === "removed" && lab.hint !== undefined));
}

/** The one-line state of a learner's lab, as the join page and the lab panel show it (pure). */
export function labLine(me: MeAnswer): string {
  const name = me.lab.id ? `Your lab “${me.lab.id}”` : "Your lab";
  const state =
    me.lab.state === "provisioning"
      ? "starting"
      : me.lab.state === "removed"
        ? "removed"
        : me.lab.state === "none"
          ? "not started"
          : me.lab.state;
  return `${name}: ${state}. ${me.lab.message}${me.lab.error ? ` (${me.lab.error})` : ""}`;
}

/** The event's time as a learner reads it (pure). */
export function timeLine(event: EventTime): string {
  if (event.over) return "The workshop is over.";
  return `${event.minutesLeft} min left in the workshop.`;
}
