/**
 * Exit codes follow sysexits(3), so an orchestrator (or a person reading `docker ps -a`) can
 * tell "fix your configuration" from "try again later" from "a bug".
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 64,
  dataError: 65,
  unavailable: 69,
  tempFailure: 75,
  config: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the process: its message is for the operator, its code for the orchestrator. */
export class FatalError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "FatalError";
  }
}

/** The configuration is missing or invalid (exit 78, EX_CONFIG). */
export class ConfigError extends FatalError {
  constructor(readonly problems: string[]) {
    super(`configuration error: ${problems.join("; ")}`, ExitCode.config);
    this.name = "ConfigError";
  }
}

export type HttpErrorCode =
  | "bad_request"
  | "invalid_json"
  | "validation_failed"
  | "unsupported_media_type"
  | "payload_too_large"
  | "not_found"
  | "method_not_allowed"
  | "illegal_transition"
  | "conflict"
  | "unavailable"
  | "internal";

/** An error with an HTTP status and a message safe to show the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "HttpError";
  }

  toJSON(): { error: { code: HttpErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) },
    };
  }
}
