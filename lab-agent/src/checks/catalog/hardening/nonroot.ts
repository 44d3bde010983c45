import { resolveUser } from "../../parsers/user-resolution.ts";
import { hardeningCheck } from "./define.ts";
import { count, type HardeningFacts, type HardeningParams, type Reviewed, review } from "./review.ts";

/** The real, effective uid of PID 1 from /proc/<pid>/status (`Uid: real effective saved fs`). */
export function procUid(status: string | null): number | null {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status ?? "");
  return m ? Number(m[2]) : null;
}

/**
 * Config.User as it runs (the image's USER unless `--user` / `user:` overrides it), resolved as in
 * hours 3-4 through the container's own /etc/passwd and /etc/group; the kernel's uid of PID 1 is
 * shown beside it.
 */
export function judgeUser(r: Reviewed) {
  const raw = r.inspect.Config?.User ?? "";
  const u = resolveUser(raw, r.passwd, r.group);
  const running = procUid(r.procStatus);
  const observed = {
    "Config.User": raw,
    uid: u.uid,
    gid: u.gid,
    via: u.problem ?? u.via,
    "PID 1 uid (/proc)": running,
  };
  if (u.uid === 0) return { problem: `runs as root (Config.User "${raw}" is uid 0)`, observed };
  if (u.uid === null) return { problem: `Config.User "${raw}" cannot be resolved: ${u.problem}`, observed };
  if (running === 0) return { problem: `PID 1 runs as uid 0 although Config.User is "${raw}"`, observed };
  return { observed };
}

export function evaluateNonRoot(facts: HardeningFacts, p: HardeningParams) {
  return review(facts, p, {
    what: "Root containers",
    field: "user",
    expected: "a non-root uid (resolved through the container's /etc/passwd)",
    judge: judgeUser,
    bench: [
      {
        id: "4.1",
        reason: (r, ours, bench) => {
          const raw = r.inspect.Config?.User ?? "";
          if (ours && !bench)
            return `docker-bench compares Config.User "${raw}" with "0", "root" and "" only; resolved it is uid 0`;
          if (!ours && bench) return undefined;
          return undefined;
        },
      },
    ],
    passSummary: (cs) => `${count(cs)} run as non-root users.`,
  });
}

export const hardeningNonRoot = hardeningCheck(
  "hardening.user.nonroot",
  "No container runs as root",
  evaluateNonRoot,
);
