import { z } from "zod";
import { LabId } from "../lab/lab-names.ts";

/**
 * A workshop event as `drydock workshop start` creates it and the agent keeps it, with its
 * roster, in DRYDOCK_HOME/workshop/event.json. Everything here crosses a process boundary
 * (the CLI writes, the agent reads and writes), so both sides parse it with these schemas.
 */

/** What a lead may type as a code: letters, digits, dashes and spaces (compared without them, any case). */
export const EventCode = z
  .string()
  .trim()
  .min(4, "an event code has at least 4 characters")
  .max(64, "an event code has at most 64 characters")
  .regex(/^[A-Za-z0-9 -]+$/, "an event code uses letters, digits and dashes only");

const Iso = z.iso.datetime({ offset: true });

/**
 * What each node of a learner's lab may use: a ceiling per node (Docker's --memory, --cpus,
 * --pids-limit), so one learner's runaway build or fork bomb cannot take the host from the room.
 */
export const LabCaps = z
  .object({
    memoryBytes: z
      .number()
      .int()
      .min(256 * 1024 ** 2),
    /** CPUs as Docker's NanoCpus (1e9 = one CPU). */
    nanoCpus: z.number().int().min(1e8),
    pidsLimit: z.number().int().min(256),
  })
  .strict();
export type LabCaps = z.infer<typeof LabCaps>;

export const WorkshopEvent = z
  .object({
    /** Random, per event: results files and learners' credentials belong to one event. */
    id: z.string().regex(/^[a-f0-9]{16}$/),
    code: EventCode,
    seats: z.number().int().min(1).max(500),
    startedAt: Iso,
    /** Joins are refused from then on; the lead may extend it. */
    until: Iso,
    /** Labs kept pre-started for the next learners (learner-labs.ts), while seats are left. */
    warm: z.number().int().min(0).max(500),
    /** How long a learner's lab outlives their last activity before it is reaped. */
    reapGraceMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60),
    /** A supervised event reaps no learner's lab before its end (Educates' `orphaned` is off then too). */
    supervised: z.boolean(),
    /** Reap a learner's lab after the grace period even though the event is supervised (`--reap-supervised`). */
    reapSupervised: z.boolean().optional(),
    /** Caps on each node of a learner's lab (engine nodes; the registry has its own, node-spec.ts). */
    labCaps: LabCaps.optional(),
    /** Active but no new passing deliverable for this long: "stuck" on the lead's roster. */
    stuckAfterMinutes: z.number().int().min(1).max(600),
    /** No activity (terminal input, page, API call) for this long: "idle". */
    idleAfterMinutes: z.number().int().min(1).max(600),
    /** Set by `end` (the route or `drydock workshop stop`): no more joins, no extension. */
    endedAt: Iso.optional(),
  })
  .strict()
  .refine((e) => e.warm <= e.seats, { message: "warm labs cannot outnumber seats", path: ["warm"] });
export type WorkshopEvent = z.infer<typeof WorkshopEvent>;

/**
 * A display name: trimmed, inner whitespace collapsed, 1-40 characters, no control characters
 * (it is shown on the lead's roster and written to a CSV).
 */
export const DisplayName = z
  .string()
  .transform((s) => s.normalize("NFC").trim().replace(/\s+/g, " "))
  .pipe(
    z
      .string()
      .min(1, "a display name is needed")
      .max(40, "a display name has at most 40 characters")
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
      .regex(/^[^\u0000-\u001f\u007f-\u009f]+$/, "a display name cannot contain control characters"),
  );
export type DisplayName = z.infer<typeof DisplayName>;

export const LearnerId = z.string().regex(/^[a-f0-9]{12}$/, "a learner id is 12 hex digits");
export type LearnerId = z.infer<typeof LearnerId>;

export const RosterEntry = z
  .object({
    id: LearnerId,
    name: DisplayName,
    /** 1..seats; a learner keeps theirs for the whole event. */
    seat: z.number().int().min(1),
    /** The lab this learner's nodes will be named by (provisioning is the lab side's). */
    lab: LabId,
    /** SHA-256 (hex) of the learner's credential: the credential itself is only ever in their browser. */
    credentialDigest: z.string().regex(/^[a-f0-9]{64}$/),
    joinedAt: Iso,
    lastActivityAt: Iso.optional(),
    lastProgressAt: Iso.optional(),
    /** The learner's lab network, from Drydock's address pool (address-pool.ts). */
    subnet: z.string().optional(),
  })
  .strict();
export type RosterEntry = z.infer<typeof RosterEntry>;

/**
 * provisioning: being started (or retried); ready: every node answers; failed: it did not start
 * twice (the error and the log tail say why); removed: reaped, or the event ended.
 */
export const LabState = z.enum(["provisioning", "ready", "failed", "removed"]);
export type LabState = z.infer<typeof LabState>;

/** One lab of the event: a learner's, or a warm one no learner has yet. */
export const LabRecord = z
  .object({
    lab: LabId,
    /** The learner it is theirs; absent for a warm lab not handed out yet. */
    learner: LearnerId.optional(),
    /** From Drydock's address pool; held until the lab is removed. */
    subnet: z.string().optional(),
    state: LabState,
    /** Starts tried so far (a failed start is retried once). */
    attempts: z.number().int().min(0),
    /** When it entered its state. */
    since: Iso,
    /** failed: what went wrong, for the lead and (in plain words) the learner. */
    error: z.string().max(4000).optional(),
    /** failed: the last lines of the start's log and of the failing node's own log. */
    logTail: z.string().max(16_000).optional(),
    /** removed: why (the learner left for the grace period, the event ended, stop). */
    removedBecause: z.enum(["reaped", "event-ended", "stopped"]).optional(),
  })
  .strict();
export type LabRecord = z.infer<typeof LabRecord>;

/** The file: one event, everyone who joined it, and the labs provisioned for it. */
export const WorkshopState = z
  .object({
    version: z.literal(1),
    event: WorkshopEvent,
    roster: z.array(RosterEntry),
    /** Absent in a file written before labs were provisioned: no labs. */
    labs: z.array(LabRecord).optional(),
  })
  .strict();
export type WorkshopState = z.infer<typeof WorkshopState>;

/** POST /api/workshop/join. */
export const JoinRequest = z.object({ code: z.string().max(200), name: DisplayName }).strict();
export type JoinRequest = z.infer<typeof JoinRequest>;

export const LearnerStatus = z.enum(["joined", "idle", "active", "stuck"]);
export type LearnerStatus = z.infer<typeof LearnerStatus>;
