import { showBytes } from "../swarm/resources.ts";
import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

/** Docker refuses less ("Minimum memory limit allowed is 6MB"). */
const MIN_MEMORY = 6 * 1024 * 1024;

export function judgeLimits(r: Reviewed) {
  const h = r.inspect.HostConfig ?? {};
  const memory = h.Memory ?? 0;
  const pids = h.PidsLimit ?? null;
  const observed = { Memory: showBytes(memory), PidsLimit: pids };
  const lacking = [
    memory > 0 ? "" : "no memory limit",
    pids !== null && pids > 0 ? "" : "no PIDs limit",
  ].filter(Boolean);
  if (lacking.length) return { problem: lacking.join(" and "), observed };
  if (memory < MIN_MEMORY) return { problem: `a memory limit of ${showBytes(memory)}`, observed };
  return { observed };
}

export function evaluateLimits(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Unlimited containers",
    field: "limits",
    expected: "Memory > 0 and PidsLimit > 0",
    judge: judgeLimits,
    bench: [
      { id: "5.11", reason: () => undefined },
      { id: "5.29", reason: () => undefined },
    ],
    passSummary: (cs) => `${count(cs)} have memory and PIDs limits.`,
  });
}

export const hardeningLimits = hardeningCheck(
  "hardening.limits",
  "Memory and PIDs limits set",
  evaluateLimits,
);
