import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

/** Paths the app writes (Node.js and the reference app write only under /tmp). */
export const WRITABLE = ["/tmp"] as const;

/** What makes a path writable in a read-only container: a tmpfs, a volume or a read-write bind at it or above it. */
export function writableMount(r: Reviewed, path: string): string | null {
  const h = r.inspect.HostConfig ?? {};
  const under = (dst: string) => path === dst || path.startsWith(`${dst.replace(/\/$/, "")}/`);
  for (const dst of Object.keys(h.Tmpfs ?? {})) if (under(dst)) return `tmpfs ${dst}`;
  for (const m of r.inspect.Mounts ?? []) {
    if (!m.Destination || !under(m.Destination) || m.RW === false) continue;
    return `${m.Type ?? "mount"} ${m.Destination}`;
  }
  return null;
}

export function judgeReadOnly(r: Reviewed) {
  const h = r.inspect.HostConfig ?? {};
  const writable = Object.fromEntries(WRITABLE.map((p) => [p, writableMount(r, p)]));
  const observed = { ReadonlyRootfs: Boolean(h.ReadonlyRootfs), writable, Tmpfs: h.Tmpfs ?? {} };
  if (!h.ReadonlyRootfs) return { problem: "its root filesystem is writable", observed };
  const missing = WRITABLE.filter((p) => !writable[p]);
  if (missing.length)
    return {
      problem: `${missing.join(", ")} is not writable: with a read-only root it needs a tmpfs`,
      observed,
    };
  const notTmpfs = WRITABLE.filter((p) => !writable[p]?.startsWith("tmpfs"));
  if (notTmpfs.length)
    return {
      problem: `${notTmpfs.join(", ")} is a ${writable[notTmpfs[0] as string]}, kept between restarts: use a tmpfs for scratch space`,
      observed,
    };
  return { observed };
}

export function evaluateReadOnly(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Root filesystems",
    field: "root filesystem",
    expected: `ReadonlyRootfs true, with a tmpfs at ${WRITABLE.join(", ")}`,
    judge: judgeReadOnly,
    bench: [
      {
        id: "5.13",
        reason: (_r, ours, bench) =>
          ours && !bench
            ? "docker-bench reads ReadonlyRootfs only, not whether the paths the app writes are writable"
            : undefined,
      },
    ],
    passSummary: (cs) => `${count(cs)} run with a read-only root and a tmpfs at ${WRITABLE.join(", ")}.`,
  });
}

export const hardeningReadOnly = hardeningCheck(
  "hardening.rootfs.readonly",
  "Read-only root filesystem, with a tmpfs for /tmp",
  evaluateReadOnly,
);
