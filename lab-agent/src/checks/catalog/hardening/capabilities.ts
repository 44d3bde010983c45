import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

/** `cap_net_bind_service`, `CAP_NET_BIND_SERVICE`, `net_bind_service` → `NET_BIND_SERVICE`; `all` → `ALL`. */
export function normalizeCap(cap: string): string {
  return cap.trim().toUpperCase().replace(/^CAP_/, "");
}

/** Capabilities the app may keep after dropping ALL (none of the reference app's processes needs one). */
export const NEEDED: readonly string[] = ["NET_BIND_SERVICE"];

/** Effective capabilities of PID 1 (`CapEff:` in /proc/<pid>/status, a hex mask), when read. */
export function capEff(status: string | null): string | null {
  return /^CapEff:\s+([0-9a-f]+)/m.exec(status ?? "")?.[1] ?? null;
}

export function judgeCaps(r: Reviewed) {
  const h = r.inspect.HostConfig ?? {};
  const drop = (h.CapDrop ?? []).map(normalizeCap);
  const add = (h.CapAdd ?? []).map(normalizeCap);
  const observed = {
    Privileged: Boolean(h.Privileged),
    CapDrop: h.CapDrop ?? [],
    CapAdd: h.CapAdd ?? [],
    "PID 1 CapEff (/proc)": capEff(r.procStatus),
  };
  if (h.Privileged) return { problem: "runs privileged (every capability and every device)", observed };
  if (add.includes("ALL")) return { problem: "adds ALL capabilities", observed };
  if (!drop.includes("ALL"))
    return {
      problem: `keeps Docker's default capabilities (CapDrop ${JSON.stringify(h.CapDrop ?? [])}, not ALL)`,
      observed,
    };
  const extra = add.filter((c) => !NEEDED.includes(c));
  if (extra.length) return { problem: `adds ${extra.join(", ")} back after dropping ALL`, observed };
  return { observed };
}

export function evaluateCaps(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Capabilities",
    field: "capabilities",
    expected: `not privileged; CapDrop ALL, CapAdd at most ${NEEDED.join(", ")}`,
    judge: judgeCaps,
    bench: [
      {
        id: "5.4",
        reason: (r, ours, bench) => {
          if (!ours || bench) return undefined;
          const h = r.inspect.HostConfig ?? {};
          if (h.Privileged) return "privileged is docker-bench's 5.5, not 5.4";
          const drop = (h.CapDrop ?? []).map(normalizeCap);
          if (!drop.includes("ALL"))
            return "docker-bench never requires cap_drop ALL: it warns only on capabilities added beyond Docker's defaults";
          return "docker-bench lets a container add back any of Docker's default capabilities (e.g. NET_RAW, CHOWN)";
        },
      },
      {
        id: "5.5",
        reason: (_r, ours, bench) =>
          ours && !bench
            ? "not privileged, but its capabilities are what this check judges (docker-bench 5.4)"
            : undefined,
      },
    ],
    passSummary: (cs) =>
      `${count(cs)} drop ALL capabilities and add back at most ${NEEDED.join(", ")}; none is privileged.`,
  });
}

export const hardeningCapabilities = hardeningCheck(
  "hardening.capabilities",
  "Capabilities dropped (ALL, then only what is needed), not privileged",
  evaluateCaps,
);
