import { hostname } from "node:os";
import type Docker from "dockerode";
import { errorMessage } from "../../common/errors.ts";
import type { EngineRole } from "../../lab/lab-names.ts";
import { CHECK_LABEL } from "../engine-reads.ts";
import { OWNER_LABEL } from "./scratch-labels.ts";

/**
 * The reaper: removes the scratch containers, volumes and networks checks make (labelled
 * CHECK_LABEL) once nobody alive owns them, so a checker killed mid-probe (a restart probe's
 * `unless-stopped` copy, a read-only copy) leaves nothing running for long. Runs at `lab up`
 * and at the start of every check run.
 *
 * A scratch object is stale when
 * - it names no owner (made by a helper such as withStoppedContainer) and is older than a minute;
 * - its owner is a process on this host that is gone;
 * - or it is older than MAX_AGE_S, whoever made it (no probe runs that long).
 * So a run never removes a live run's probe (the agent's watcher and a CLI run may overlap).
 */
export const MAX_AGE_S = 15 * 60;
export const UNOWNED_AGE_S = 60;

export type IsAlive = (pid: number) => boolean;

/** Whether a process exists (EPERM: it exists, it is someone else's). */
export const processAlive: IsAlive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

export interface Staleness {
  stale: boolean;
  why: string;
}

export function staleness(
  labels: Record<string, string> | undefined,
  createdAtS: number,
  nowS: number,
  isAlive: IsAlive = processAlive,
  host: string = hostname(),
): Staleness {
  const age = Math.max(0, nowS - createdAtS);
  if (age > MAX_AGE_S) return { stale: true, why: `older than ${MAX_AGE_S / 60} min` };
  const owner = labels?.[OWNER_LABEL];
  if (!owner) {
    return age > UNOWNED_AGE_S
      ? { stale: true, why: `no owner and older than ${UNOWNED_AGE_S} s` }
      : { stale: false, why: "no owner, made less than a minute ago" };
  }
  const slash = owner.lastIndexOf("/");
  const ownerHost = owner.slice(0, slash);
  const pid = Number(owner.slice(slash + 1));
  if (ownerHost !== host || !Number.isInteger(pid) || pid <= 0) {
    return { stale: false, why: `owned by ${owner} elsewhere, younger than ${MAX_AGE_S / 60} min` };
  }
  if (pid === process.pid) return { stale: false, why: "owned by this process" };
  return isAlive(pid)
    ? { stale: false, why: `owner ${owner} is running` }
    : { stale: true, why: `owner ${owner} is gone` };
}

export interface ReapReport {
  engine: string;
  containers: string[];
  volumes: string[];
  networks: string[];
  kept: number;
  errors: string[];
}

function seconds(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? 0 : t / 1000;
}

/** Removes stale scratch objects on one engine; never throws (a reaper must not stop a run). */
export async function reapEngine(
  docker: Docker,
  engine: string,
  opts: { nowS?: number; isAlive?: IsAlive } = {},
): Promise<ReapReport> {
  const nowS = opts.nowS ?? Date.now() / 1000;
  const report: ReapReport = { engine, containers: [], volumes: [], networks: [], kept: 0, errors: [] };
  const filters = { label: [CHECK_LABEL] };
  const judge = (labels: Record<string, string> | undefined, created: number) =>
    staleness(labels, created, nowS, opts.isAlive).stale;
  const note = (what: string) => (err: unknown) => {
    report.errors.push(`${what}: ${errorMessage(err)}`);
  };
  const containers = await docker.listContainers({ all: true, filters }).catch((err) => {
    note("list containers")(err);
    return [];
  });
  await Promise.all(
    containers.map(async (c) => {
      if (!judge(c.Labels, c.Created)) {
        report.kept++;
        return;
      }
      // force: a crash-looping `unless-stopped` copy is killed first; v: its anonymous volumes go too.
      await docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .then(() => report.containers.push(c.Names?.[0]?.replace(/^\//, "") ?? c.Id.slice(0, 12)))
        .catch(note(`remove container ${c.Id.slice(0, 12)}`));
    }),
  );
  const volumes = await docker.listVolumes({ filters }).catch((err) => {
    note("list volumes")(err);
    return { Volumes: [] };
  });
  await Promise.all(
    (volumes.Volumes ?? []).map(async (v) => {
      const created = seconds((v as { CreatedAt?: string }).CreatedAt);
      if (!judge(v.Labels ?? undefined, created)) {
        report.kept++;
        return;
      }
      await docker
        .getVolume(v.Name)
        .remove({ force: true })
        .then(() => report.volumes.push(v.Name))
        .catch(note(`remove volume ${v.Name}`));
    }),
  );
  const networks = await docker.listNetworks({ filters }).catch((err) => {
    note("list networks")(err);
    return [];
  });
  await Promise.all(
    networks.map(async (n) => {
      if (!judge(n.Labels, seconds(n.Created))) {
        report.kept++;
        return;
      }
      await docker
        .getNetwork(n.Id)
        .remove()
        .then(() => report.networks.push(n.Name))
        .catch(note(`remove network ${n.Name}`));
    }),
  );
  return report;
}

/** Reaps on each engine at once, each bounded by a timeout; an engine that does not answer is skipped. */
export async function reapLab(
  engine: (role: EngineRole) => Promise<Docker>,
  roles: readonly EngineRole[],
  opts: { timeoutMs?: number; nowS?: number; isAlive?: IsAlive } = {},
): Promise<ReapReport[]> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return Promise.all(
    roles.map(async (role): Promise<ReapReport> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ReapReport>((resolve) => {
        timer = setTimeout(
          () =>
            resolve({
              engine: role,
              containers: [],
              volumes: [],
              networks: [],
              kept: 0,
              errors: [`no answer within ${timeoutMs / 1000} s`],
            }),
          timeoutMs,
        );
      });
      const work = engine(role)
        .then((docker) => reapEngine(docker, role, opts))
        .catch(
          (err): ReapReport => ({
            engine: role,
            containers: [],
            volumes: [],
            networks: [],
            kept: 0,
            errors: [errorMessage(err)],
          }),
        );
      try {
        return await Promise.race([work, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

/** One line for a person, or undefined when nothing was removed. */
export function describeReap(reports: readonly ReapReport[]): string | undefined {
  const parts = reports
    .map((r) => {
      const n = r.containers.length + r.volumes.length + r.networks.length;
      if (n === 0) return undefined;
      const what = [...r.containers, ...r.volumes, ...r.networks].join(", ");
      return `${r.engine}: ${what}`;
    })
    .filter((p): p is string => p !== undefined);
  return parts.length > 0 ? `Removed leftovers of interrupted checks (${parts.join("; ")}).` : undefined;
}
