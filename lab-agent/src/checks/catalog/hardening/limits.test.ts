import { describe } from "vitest";
import { evaluateLimits } from "./limits.ts";
import { host, type Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const v: Variant[] = [
  [
    "stack: deploy.resources.limits memory 128M, pids 100",
    "stack-hard",
    undefined,
    "pass",
    /have memory and PIDs limits/,
    { id: "5.11", result: "PASS" },
  ],
  [
    "compose: mem_limit 256m, pids_limit 200",
    "rec-hard-1",
    undefined,
    "pass",
    /limits/,
    { id: "5.29", result: "PASS" },
  ],
  [
    "compose: deploy.resources.limits (Compose applies it too)",
    "rec-loose-1",
    undefined,
    "pass",
    /limits/,
    { id: "5.29", result: "PASS" },
  ],
  [
    "docker run --memory 256m --pids-limit 200",
    "run-hard",
    undefined,
    "pass",
    /limits/,
    { id: "5.11", result: "PASS" },
  ],
  [
    "docker run with no limits",
    "run-plain",
    undefined,
    "fail",
    /no memory limit and no PIDs limit/,
    { id: "5.11", result: "WARN" },
  ],
  [
    "the same, as docker-bench's 5.29 sees it",
    "run-plain",
    undefined,
    "fail",
    /no PIDs limit/,
    { id: "5.29", result: "WARN" },
  ],
  [
    "stack: limits memory only",
    "stack-hard",
    (r) => {
      host(r).PidsLimit = null;
    },
    "fail",
    /no PIDs limit/,
    { id: "5.29", result: "WARN" },
  ],
  [
    "--pids-limit -1 (unlimited)",
    "run-hard",
    (r) => {
      host(r).PidsLimit = -1;
    },
    "fail",
    /no PIDs limit/,
    { id: "5.29", result: "WARN" },
  ],
  [
    "pids only, no memory",
    "run-hard",
    (r) => {
      host(r).Memory = 0;
    },
    "fail",
    /no memory limit/,
    { id: "5.11", result: "WARN" },
  ],
];

describe("hardening.limits on recorded containers", () => runVariants(v, evaluateLimits));
