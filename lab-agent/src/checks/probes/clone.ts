import { posix } from "node:path";
import type Docker from "dockerode";
import { pack } from "tar-stream";
import type { LabId } from "../../lab/lab-names.ts";
import { readFileFrom } from "../engine-reads.ts";
import { scratchVolume, withScratch } from "./scratch.ts";

/**
 * Copies of the learner's container for probes that must not touch the container itself
 * (stop it, crash it). A copy runs what the original runs, as it runs it: the image by id (not
 * the tag, which may have moved since), command, environment including `*_FILE` settings, user,
 * mounts (binds as they are, volumes as fresh scratch volumes so a probe never writes into the
 * learner's data), tmpfs, init, read-only root, capabilities, limits and networks. It differs
 * where sharing would do harm, and says so in `differences`: no published ports, no network
 * aliases (it must not answer for the original's name), none of the original's labels (Compose
 * would count it as one of its own), the default logging driver.
 */

type Mount = { Type?: string; Name?: string; Source?: string; Destination: string; RW?: boolean };

export interface CloneOptions {
  /** Variables to set or replace (`KEY=value`). */
  env?: readonly string[];
  /** Keep the original's restart policy (the restart probe); otherwise the copy has none. */
  restart?: boolean;
  /** The copy's healthcheck: undefined keeps none. */
  healthcheck?: Docker.ContainerCreateOptions["Healthcheck"];
  /** Replace what the copy runs (the idle control of the healthcheck probe). */
  entrypoint?: string[];
  cmd?: string[];
}

export interface ClonePlan {
  spec: Docker.ContainerCreateOptions;
  /** Mount targets that get a fresh scratch volume each (the original's volumes). */
  scratchVolumes: Array<{ target: string; readOnly: boolean; original: string }>;
  /** `*_FILE` paths that no mount of the copy provides: copied from the original before start. */
  copyFiles: string[];
  differences: string[];
}

/** HostConfig fields a copy keeps as they are. */
const KEEP_HOST = [
  "ReadonlyRootfs",
  "Tmpfs",
  "Init",
  "CapAdd",
  "CapDrop",
  "SecurityOpt",
  "Privileged",
  "Memory",
  "MemorySwap",
  "MemoryReservation",
  "NanoCpus",
  "CpuShares",
  "CpuQuota",
  "CpuPeriod",
  "CpusetCpus",
  "PidsLimit",
  "Ulimits",
  "ExtraHosts",
  "Dns",
  "DnsSearch",
  "DnsOptions",
  "GroupAdd",
  "ShmSize",
  "Sysctls",
  "OomScoreAdj",
  "UsernsMode",
  "IpcMode",
  "PidMode",
  "Runtime",
] as const;

function envKey(pair: string): string {
  const eq = pair.indexOf("=");
  return eq < 0 ? pair : pair.slice(0, eq);
}

/** The original's environment with `overrides` replacing same-named variables. */
export function mergeEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const replaced = new Set(overrides.map(envKey));
  return [...base.filter((p) => !replaced.has(envKey(p))), ...overrides];
}

/** Whether `path` lies on (or under) one of the mount targets. */
export function coveredBy(path: string, targets: readonly string[]): boolean {
  const p = posix.normalize(path);
  return targets.some((t) => {
    const m = posix.normalize(t).replace(/\/$/, "");
    return p === m || p.startsWith(`${m}/`);
  });
}

/** Files named by `*_FILE` variables (absolute paths only). */
export function fileSettings(env: readonly string[]): string[] {
  return env
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq < 0 ? undefined : { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    })
    .filter(
      (kv): kv is { key: string; value: string } => !!kv && /_FILE$/.test(kv.key) && kv.value.startsWith("/"),
    )
    .map((kv) => kv.value);
}

/** A pure plan of the copy, from the original's inspect answer (unit-tested on recorded JSON). */
export function planClone(info: Docker.ContainerInspectInfo, opts: CloneOptions = {}): ClonePlan {
  const hc = info.HostConfig as Record<string, unknown>;
  const config = info.Config as Docker.ContainerInspectInfo["Config"] & {
    StopSignal?: string;
    StopTimeout?: number;
  };
  const differences = ["no published ports", "no network aliases", "no labels", "default logging driver"];
  const mounts: Array<Record<string, unknown>> = [];
  const scratchVolumes: ClonePlan["scratchVolumes"] = [];
  const targets: string[] = [];
  for (const m of (info.Mounts ?? []) as Mount[]) {
    if (m.Type === "bind") {
      mounts.push({ Type: "bind", Source: m.Source, Target: m.Destination, ReadOnly: m.RW === false });
      targets.push(m.Destination);
    } else if (m.Type === "volume") {
      scratchVolumes.push({ target: m.Destination, readOnly: m.RW === false, original: m.Name ?? "" });
      targets.push(m.Destination);
      differences.push(`volume ${m.Name?.slice(0, 24) ?? "?"} at ${m.Destination}: a fresh scratch volume`);
    } else if (m.Type === "tmpfs") {
      targets.push(m.Destination);
    }
  }
  // --mount type=tmpfs is in HostConfig.Mounts (with its options); --tmpfs in HostConfig.Tmpfs.
  for (const m of (hc.Mounts ?? []) as Array<Record<string, unknown>>) {
    if (m.Type === "tmpfs") mounts.push(m);
  }
  for (const t of Object.keys((hc.Tmpfs ?? {}) as Record<string, string>)) targets.push(t);
  const env = mergeEnv(config.Env ?? [], opts.env ?? []);
  const copyFiles = fileSettings(env).filter((f) => !coveredBy(f, targets));
  if (copyFiles.length > 0) differences.push(`copied from the original: ${copyFiles.join(", ")}`);

  const host: Record<string, unknown> = {};
  for (const k of KEEP_HOST) if (hc[k] !== undefined && hc[k] !== null && hc[k] !== "") host[k] = hc[k];
  const networkMode = String(hc.NetworkMode ?? "default");
  host.NetworkMode = networkMode;
  if (mounts.length > 0) host.Mounts = mounts;
  if (opts.restart && hc.RestartPolicy) host.RestartPolicy = hc.RestartPolicy;
  const networks = Object.keys(info.NetworkSettings?.Networks ?? {});
  const joinsByName = !/^(host|none|default|container:.*)$/.test(networkMode) && networks.length > 1;

  const spec: Docker.ContainerCreateOptions = {
    Image: info.Image,
    Entrypoint: opts.entrypoint ?? (config.Entrypoint as string[] | undefined) ?? undefined,
    Cmd: opts.cmd ?? config.Cmd ?? undefined,
    Env: env,
    User: config.User,
    WorkingDir: config.WorkingDir,
    Tty: config.Tty,
    OpenStdin: config.OpenStdin,
    ...(config.StopSignal ? { StopSignal: config.StopSignal } : {}),
    ...(config.StopTimeout !== undefined && config.StopTimeout !== null
      ? { StopTimeout: config.StopTimeout }
      : {}),
    ...(opts.healthcheck ? { Healthcheck: opts.healthcheck } : { Healthcheck: { Test: ["NONE"] } }),
    HostConfig: host as Docker.HostConfig,
    ...(joinsByName
      ? { NetworkingConfig: { EndpointsConfig: Object.fromEntries(networks.map((n) => [n, {}])) } }
      : {}),
  };
  return { spec, scratchVolumes, copyFiles, differences };
}

/** Packs files (path → text) into a tar rooted at /, directories included. */
function tarOf(files: ReadonlyArray<{ path: string; text: string }>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = pack();
    const chunks: Buffer[] = [];
    p.on("data", (c: unknown) => chunks.push(c as Buffer));
    p.on("end", () => resolve(Buffer.concat(chunks)));
    p.on("error", reject);
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.path.replace(/^\/+/, "").split("/").slice(0, -1);
      for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    for (const d of [...dirs].sort()) p.entry({ name: `${d}/`, type: "directory", mode: 0o755 });
    for (const f of files) p.entry({ name: f.path.replace(/^\/+/, ""), mode: 0o444 }, f.text);
    p.finalize();
  });
}

export interface CloneRun<T> {
  result: T;
  plan: ClonePlan;
  /** Files that could not be copied, with why. */
  notCopied: string[];
}

/** Runs `work` with a started copy of `original` (see planClone), then removes it and its volumes. */
export async function withClone<T>(
  docker: Docker,
  original: Docker.ContainerInspectInfo,
  opts: CloneOptions & { lab: LabId; check: string; name: string },
  work: (c: Docker.Container, plan: ClonePlan) => Promise<T>,
): Promise<CloneRun<T>> {
  const plan = planClone(original, opts);
  const volumes: string[] = [];
  const notCopied: string[] = [];
  try {
    const extra: Array<Record<string, unknown>> = [];
    for (const v of plan.scratchVolumes) {
      const name = await scratchVolume(docker, {
        lab: opts.lab,
        check: opts.check,
        name: `${opts.name}-vol`,
      });
      volumes.push(name);
      extra.push({ Type: "volume", Source: name, Target: v.target, ReadOnly: v.readOnly });
    }
    const host = plan.spec.HostConfig as Record<string, unknown>;
    const spec: Docker.ContainerCreateOptions = {
      ...plan.spec,
      HostConfig: {
        ...host,
        ...(extra.length > 0 ? { Mounts: [...((host.Mounts as unknown[]) ?? []), ...extra] } : {}),
      } as Docker.HostConfig,
    };
    const result = await withScratch(
      docker,
      {
        lab: opts.lab,
        check: opts.check,
        name: opts.name,
        spec,
        volumes,
        prepare: async (c) => {
          if (plan.copyFiles.length === 0) return;
          const src = docker.getContainer(original.Id);
          const files: Array<{ path: string; text: string }> = [];
          for (const path of plan.copyFiles) {
            const text = await readFileFrom(src, path).catch(() => null);
            if (text === null) notCopied.push(`${path}: not in the original`);
            else files.push({ path, text });
          }
          if (files.length === 0) return;
          await c.putArchive(await tarOf(files), { path: "/" }).catch((err: Error) => {
            notCopied.push(`${files.map((f) => f.path).join(", ")}: ${err.message.slice(0, 120)}`);
          });
        },
      },
      (c) => work(c, plan),
    );
    return { result, plan, notCopied };
  } finally {
    for (const v of volumes)
      await docker
        .getVolume(v)
        .remove({ force: true })
        .catch(() => {});
  }
}
