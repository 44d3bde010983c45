import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

const KINDS = [
  ["network", "NetworkMode", "5.10"],
  ["PID", "PidMode", "5.16"],
  ["IPC", "IpcMode", "5.17"],
  ["UTS", "UTSMode", ""],
] as const;

export function judgeNamespaces(r: Reviewed) {
  const h = r.inspect.HostConfig ?? {};
  const observed = Object.fromEntries(KINDS.map(([, f]) => [f, (h as Record<string, unknown>)[f] ?? ""]));
  const shared = KINDS.filter(([, f]) => (h as Record<string, unknown>)[f] === "host").map(([k]) => k);
  return shared.length
    ? { problem: `shares the host's ${shared.join(", ")} namespace${shared.length > 1 ? "s" : ""}`, observed }
    : { observed };
}

export function evaluateHostNamespaces(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Host namespaces shared",
    field: "namespaces",
    expected: 'none is "host"',
    judge: judgeNamespaces,
    bench: (["5.10", "5.16", "5.17"] as const).map((id) => ({
      id,
      reason: (r: Reviewed, ours: boolean) =>
        ours && r.inspect.HostConfig?.UTSMode === "host"
          ? "it is the host's UTS namespace, which docker-bench judges under 5.21"
          : undefined,
    })),
    passSummary: (cs) => `${count(cs)} keep their own network, PID, IPC and UTS namespaces.`,
  });
}

export const hardeningHostNamespaces = hardeningCheck(
  "hardening.namespaces.private",
  "No host network, PID or IPC namespace",
  evaluateHostNamespaces,
);
