import { runCleanup, runDiagnostics, runIsolated, runResult } from "./run-checks.ts";
import { scriptSafe } from "./script-safe.ts";
import { testStack } from "./test-stack.ts";

/** Hours 11-12: the Compose test harness (the stack's model, the script, and runs of it in the lab). */
export const harnessChecks = [
  testStack,
  scriptSafe,
  runResult,
  runIsolated,
  runCleanup,
  runDiagnostics,
] as const;
