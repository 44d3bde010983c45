/**
 * Errors a user can act on: what went wrong, and what to do about it.
 * Every failure the CLI or the API reports is one of these; anything else is a bug.
 */
export const ErrorCode = {
  usage: "usage",
  notFound: "not-found",
  noEngine: "no-engine",
  noDiskSpace: "no-disk-space",
  imageBuild: "image-build",
  nodeEngine: "node-engine",
  conflict: "conflict",
  engineInstall: "engine-install",
  labState: "lab-state",
  /** The agent's API: no or wrong access token. */
  unauthorized: "unauthorized",
  /** The agent's API: a foreign Host or Origin. */
  forbidden: "forbidden",
  /** The agent's API: a cap (terminals, message rate) is reached. */
  tooMany: "too-many",
  /** `drydock check`: the run completed, and some deliverables do not pass. */
  checksFailed: "checks-failed",
  /** An exercise file (exercises/<block>/exercise.yaml) does not match its schema. */
  badExercise: "bad-exercise",
  /** A workshop has no seat (or no lab network) left for another learner. */
  workshopFull: "workshop-full",
  /** A workshop's event has ended (or its time is up): no joins, no extension. */
  eventEnded: "event-ended",
  internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Process exit codes, one per kind of failure, so scripts can tell them apart. */
export const exitCodes: Record<ErrorCode, number> = {
  usage: 2,
  "not-found": 3,
  "no-engine": 4,
  "no-disk-space": 5,
  "image-build": 6,
  "node-engine": 7,
  conflict: 8,
  "engine-install": 9,
  "lab-state": 10,
  unauthorized: 11,
  forbidden: 12,
  "too-many": 13,
  "checks-failed": 14,
  "bad-exercise": 15,
  // 16 is `drydock scorecard verify`'s "does not verify" (score-commands.ts SCORECARD_TAMPERED_EXIT).
  "workshop-full": 17,
  "event-ended": 18,
  internal: 1,
};

export interface DrydockErrorInit {
  /** What to do about it, one or two sentences. */
  hint?: string;
  /** Supporting text a person may need, e.g. the tail of a log. */
  details?: string;
  cause?: unknown;
}

export class DrydockError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: string | undefined;

  constructor(code: ErrorCode, message: string, init: DrydockErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "DrydockError";
    this.code = code;
    this.hint = init.hint;
    this.details = init.details;
  }

  get exitCode(): number {
    return exitCodes[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Wraps anything thrown into a DrydockError, recognising the Docker failures people meet most. */
export function toDrydockError(err: unknown): DrydockError {
  if (err instanceof DrydockError) return err;
  const message = errorMessage(err);
  if (/no space left on device/i.test(message)) {
    return new DrydockError(ErrorCode.noDiskSpace, "The disk Docker writes to is full.", {
      hint: "Free some space (for example `docker system prune` on the host, or remove old labs with `drydock lab down --lab <id>`), then try again.",
      details: message,
      cause: err,
    });
  }
  return new DrydockError(ErrorCode.internal, message, { cause: err });
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    // dockerode puts the engine's own words in `json.message`; they are clearer than its wrapper text.
    const json = (err as { json?: { message?: unknown } }).json;
    if (json && typeof json.message === "string") return json.message;
    return err.message;
  }
  return String(err);
}

/** HTTP status of a failed Engine API call, when dockerode reports one. */
export function statusCodeOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === "number" ? code : undefined;
}
