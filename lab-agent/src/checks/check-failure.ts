import { relative } from "node:path";
import { z } from "zod";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { repoRoot } from "../common/paths.ts";
import type { FailureKind } from "./check-result.ts";

/** An error result's kind, one line saying what went wrong, and what to do (kept from a DrydockError). */
export interface CheckFailure {
  failure: FailureKind;
  summary: string;
  hint: string;
}

const LAB_HINT = "Is the lab up? `drydock lab status` shows each node; then check again.";
/** Socket-level error codes: the lab (or one of its nodes) did not answer. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
]);

/** Where in the exercise file a deliverable's check parameters are, for a message that names it. */
export interface ParamsLocation {
  /** The exercise file (absolute or repo-relative). */
  file: string;
  /** The deliverable's index in `deliverables`. */
  index: number;
}

/** The check's own schema refused the parameters the exercise file gives it. */
export function badParameter(err: unknown, checkId: string, where: ParamsLocation): CheckFailure {
  const file = displayPath(where.file);
  const base = `deliverables.${where.index}.check.params`;
  if (err instanceof z.ZodError) {
    const issue = err.issues[0];
    const path = [base, ...(issue?.path ?? []).map(String)].join(".");
    return {
      failure: "bad-parameter",
      summary: `Bad parameter for ${checkId} in ${file} at ${path}: ${issue?.message ?? "invalid"}.`,
      hint: `Fix ${file} (each check's parameters are in its definition under lab-agent/src/checks/) and check again.`,
    };
  }
  return {
    failure: "bad-parameter",
    summary: `Bad parameter for ${checkId} in ${file} at ${base}: ${errorMessage(err)}.`,
    hint: `Fix ${file} and check again.`,
  };
}

/**
 * A collector failed. DrydockErrors say what went wrong and what to do: both are kept. A socket
 * error or an Engine API error status means the lab did not answer; anything else is a bug.
 */
export function collectFailure(err: unknown, checkId: string): CheckFailure {
  if (err instanceof DrydockError) {
    if (err.code === ErrorCode.internal) return checkerBug(err, checkId);
    return {
      failure: err.code === ErrorCode.badExercise ? "bad-parameter" : "lab-unreachable",
      summary: err.message,
      hint: err.hint ?? LAB_HINT,
    };
  }
  if (isUnreachable(err)) {
    return {
      failure: "lab-unreachable",
      summary: `Could not read the lab: ${errorMessage(err)}`,
      hint: LAB_HINT,
    };
  }
  return checkerBug(err, checkId);
}

/** evaluate is a pure function of what was read: when it throws, the check is wrong, not the lab. */
export function checkerBug(err: unknown, checkId: string): CheckFailure {
  return {
    failure: "checker-bug",
    summary: `The check ${checkId} failed on what it read (a bug in Drydock, not in your work): ${errorMessage(err)}`,
    hint: "Check again; if it keeps failing, report it with the output of `drydock check <block> --json`.",
  };
}

function isUnreachable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; statusCode?: unknown; name?: unknown; cause?: unknown };
  if (typeof e.code === "string" && UNREACHABLE.has(e.code)) return true;
  // dockerode: the engine answered with an error status (a node mid-restart, a refused request).
  if (typeof e.statusCode === "number" && e.statusCode >= 400) return true;
  if (e.name === "AbortError" || e.name === "TimeoutError") return true;
  return e.cause !== undefined && e.cause !== err && isUnreachable(e.cause);
}

function displayPath(file: string): string {
  const rel = relative(repoRoot, file);
  return rel.startsWith("..") ? file : rel;
}
