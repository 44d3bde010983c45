import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import type { LabId } from "../../lab/lab-names.ts";
import { sleep, splitStreams } from "../engine-reads.ts";
import { scratchLabels } from "./scratch-labels.ts";

/** Health as Docker records it. */
export type Health = {
  Status?: string;
  FailingStreak?: number;
  Log?: Array<{ ExitCode: number; Output: string; Start?: string; End?: string }>;
};

/** What a probe keeps of a scratch container's state (the fixtures record this shape). */
export interface ScratchState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  OOMKilled: boolean;
  StartedAt?: string;
  FinishedAt?: string;
  Error?: string;
  Health?: Health;
  RestartCount?: number;
}

export function stateOf(info: Docker.ContainerInspectInfo): ScratchState {
  return {
    Status: info.State.Status,
    Running: info.State.Running,
    ExitCode: info.State.ExitCode,
    OOMKilled: info.State.OOMKilled,
    StartedAt: info.State.StartedAt,
    FinishedAt: info.State.FinishedAt,
    ...(info.State.Error ? { Error: info.State.Error } : {}),
    ...(info.State.Health ? { Health: info.State.Health as Health } : {}),
    RestartCount: info.RestartCount,
  };
}

export async function logTail(c: Docker.Container, lines = 8): Promise<string> {
  const buf = (await c
    .logs({ stdout: true, stderr: true, tail: lines })
    .catch(() => Buffer.alloc(0))) as Buffer;
  const { stdout, stderr } = splitStreams(buf);
  return `${stdout}${stderr}`.trim().slice(-800);
}

/** Polls a container until `done` says so, it stops for good, or the deadline passes. */
export async function waitFor(
  c: Docker.Container,
  done: (i: Docker.ContainerInspectInfo) => boolean,
  timeoutMs: number,
  everyMs = 200,
): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + timeoutMs;
  let info = await c.inspect();
  while (!done(info) && Date.now() < deadline) {
    if (!info.State.Running && !info.State.Restarting) break;
    await sleep(everyMs);
    info = await c.inspect();
  }
  return info;
}

export interface ScratchOptions {
  lab: LabId;
  /** The check id, written into the check label. */
  check: string;
  /** A readable name prefix, e.g. `case-api-sigterm`: `docker ps` on laptop says what it is. */
  name: string;
}

/** A name unique enough for concurrent runs. */
export function scratchName(prefix: string): string {
  return `${prefix.replace(/[^a-zA-Z0-9_.-]/g, "-").slice(0, 40)}-drydock-${randomBytes(3).toString("hex")}`;
}

/** Creates a labelled, named volume for one probe. */
export async function scratchVolume(docker: Docker, opts: ScratchOptions): Promise<string> {
  const name = scratchName(opts.name);
  await docker.createVolume({ Name: name, Labels: scratchLabels(opts.lab, opts.check) });
  return name;
}

/**
 * Runs `work` with a labelled scratch container made from `spec` (created, prepared, started),
 * then removes it with its anonymous volumes and the scratch volumes listed in `volumes`.
 * A killed checker leaves them labelled: the reaper removes them at the next run or `lab up`.
 */
export async function withScratch<T>(
  docker: Docker,
  opts: ScratchOptions & {
    spec: Docker.ContainerCreateOptions;
    volumes?: readonly string[];
    /** Runs on the created container before it starts (e.g. copies `*_FILE` files in). */
    prepare?: (c: Docker.Container) => Promise<void>;
    /** Start it (default) or leave that to `work`. */
    start?: boolean;
  },
  work: (c: Docker.Container) => Promise<T>,
): Promise<T> {
  const c = await docker.createContainer({
    ...opts.spec,
    name: scratchName(opts.name),
    Labels: { ...(opts.spec.Labels ?? {}), ...scratchLabels(opts.lab, opts.check) },
  });
  try {
    await opts.prepare?.(c);
    if (opts.start !== false) await c.start();
    return await work(c);
  } finally {
    await c.remove({ force: true, v: true }).catch(() => {});
    for (const v of opts.volumes ?? [])
      await docker
        .getVolume(v)
        .remove({ force: true })
        .catch(() => {});
  }
}
