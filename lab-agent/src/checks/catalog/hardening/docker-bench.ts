/**
 * docker-bench-security's verdicts for the CIS ids that Hour 18 also judges, computed the way its
 * published shell tests compute them (docker/docker-bench-security @ff26d67, CIS Docker Benchmark
 * v1.6.0: tests/4_container_images.sh check_4_1, tests/5_container_runtime.sh check_5_4 … check_5_32,
 * functions/helper_lib.sh for the daemon's options). Written from what those tests compare, on the
 * same inspect answers our checks read, so a table can show where we agree and where we differ.
 *
 * The shell tests read `docker inspect --format '{{ … }}'`, i.e. Go's text/template rendering of the
 * field: a nil slice prints `[]`, a nil pointer `<nil>`, a slice `[A B]`, a struct `{a b c}`. Those
 * renderings are reproduced here because several tests compare the rendered string.
 */

/** The parts of `GET /containers/{id}/json` the tests read. */
export interface BenchContainer {
  Config?: { User?: string };
  HostConfig?: {
    CapAdd?: string[] | null;
    Privileged?: boolean;
    NetworkMode?: string;
    Memory?: number;
    ReadonlyRootfs?: boolean;
    PidMode?: string;
    IpcMode?: string;
    SecurityOpt?: string[] | null;
    PidsLimit?: number | null;
  };
  Mounts?: Array<{
    Type?: string;
    Name?: string;
    Source?: string;
    Destination?: string;
    Driver?: string;
    Mode?: string;
    RW?: boolean;
    Propagation?: string;
  }>;
}

/** The daemon's own options on one node, as docker-bench reads them (process arguments, daemon.json). */
export interface BenchDaemon {
  /** dockerd's command line (`/proc/<pid>/cmdline`, arguments joined by spaces), null when not read. */
  commandLine: string | null;
  /** /etc/docker/daemon.json as text, null when there is none. */
  daemonJson: string | null;
}

export type BenchResult = "PASS" | "WARN" | "INFO";

export interface BenchVerdict {
  id: BenchId;
  result: BenchResult;
  /** The containers it warned about (its `items`). */
  items: string[];
}

export const BENCH_IDS = [
  "4.1",
  "5.4",
  "5.5",
  "5.10",
  "5.11",
  "5.13",
  "5.16",
  "5.17",
  "5.26",
  "5.29",
  "5.32",
] as const;
export type BenchId = (typeof BENCH_IDS)[number];

export const BENCH_TITLES: Record<BenchId, string> = {
  "4.1": "Ensure that a user for the container has been created",
  "5.4": "Ensure that Linux kernel capabilities are restricted within containers",
  "5.5": "Ensure that privileged containers are not used",
  "5.10": "Ensure that the host's network namespace is not shared",
  "5.11": "Ensure that the memory usage for containers is limited",
  "5.13": "Ensure that the container's root filesystem is mounted as read only",
  "5.16": "Ensure that the host's process namespace is not shared",
  "5.17": "Ensure that the host's IPC namespace is not shared",
  "5.26": "Ensure that the container is restricted from acquiring additional privileges",
  "5.29": "Ensure that the PIDs cgroup limit is used",
  "5.32": "Ensure that the Docker socket is not mounted inside any containers",
};

/** Go's `{{ . }}` of a []string: nil and empty both print `[]`. */
const goSlice = (xs: readonly string[] | null | undefined) => `[${(xs ?? []).join(" ")}]`;
const goBool = (b: boolean | undefined) => String(Boolean(b));
const goInt = (n: number | undefined) => String(n ?? 0);
const goIntPtr = (n: number | null | undefined) => (n === null || n === undefined ? "<nil>" : String(n));
/** `{{ .Mounts }}`: each MountPoint printed as a struct, fields in declaration order. */
const goMounts = (ms: BenchContainer["Mounts"]) =>
  `[${(ms ?? [])
    .map(
      (m) =>
        `{${[m.Type ?? "", m.Name ?? "", m.Source ?? "", m.Destination ?? "", m.Driver ?? "", m.Mode ?? "", goBool(m.RW), m.Propagation ?? ""].join(" ")}}`,
    )
    .join(" ")}]`;

/** check_4_1: `User={{.Config.User}}` compared with `User=0`, `User=root`, `User=` (and nil forms). */
export function benchUserIsRoot(c: BenchContainer): boolean {
  const user = `User=${c.Config?.User ?? ""}`;
  return ["User=0", "User=root", "User=", "User=[]", "User=<no value>"].includes(user);
}

const DEFAULT_CAPS =
  /CAP_AUDIT_WRITE|CAP_CHOWN|CAP_DAC_OVERRIDE|CAP_FOWNER|CAP_FSETID|CAP_KILL|CAP_MKNOD|CAP_NET_BIND_SERVICE|CAP_NET_RAW|CAP_SETFCAP|CAP_SETGID|CAP_SETPCAP|CAP_SETUID|CAP_SYS_CHROOT|\s/g;
const DEFAULT_CAPS_BARE =
  /AUDIT_WRITE|CHOWN|DAC_OVERRIDE|FOWNER|FSETID|KILL|MKNOD|NET_BIND_SERVICE|NET_RAW|SETFCAP|SETGID|SETPCAP|SETUID|SYS_CHROOT|\s/g;

/**
 * check_5_4: `CapAdd={{ .HostConfig.CapAdd }}`, upper-cased, with Docker's default capabilities
 * and spaces deleted by sed; any capability left is a warning. CapDrop is never read.
 */
export function benchCapsAdded(c: BenchContainer): string | null {
  const rendered = `CapAdd=${goSlice(c.HostConfig?.CapAdd)}`;
  const left = rendered
    .toUpperCase()
    .replace("CAPADD", "CapAdd")
    .replace(DEFAULT_CAPS, "")
    .replace(DEFAULT_CAPS_BARE, "");
  return ["CapAdd=", "CapAdd=[]", "CapAdd=<no value>", "CapAdd=<nil>"].includes(left) ? null : left;
}

/**
 * check_5_26: passes for the whole host when dockerd was started with --no-new-privileges, or
 * daemon.json's "no-new-privileges" (as jq prints it) contains `true`; otherwise each container's
 * `SecurityOpt={{.HostConfig.SecurityOpt }}` must contain the text `no-new-privileges`.
 */
export function benchDaemonNoNewPrivileges(d: BenchDaemon): boolean {
  const args = (d.commandLine ?? "").split(/\s+/).filter((a) => a.startsWith("--no-new-privileges"));
  if (args.length > 0) return true;
  if (!d.daemonJson) return false;
  try {
    const parsed = JSON.parse(d.daemonJson) as Record<string, unknown>;
    return "no-new-privileges" in parsed && String(parsed["no-new-privileges"]).includes("true");
  } catch {
    // jq fails on a file it cannot parse and prints nothing: no match.
    return false;
  }
}

export function benchContainerNoNewPrivileges(c: BenchContainer): boolean {
  return `SecurityOpt=${goSlice(c.HostConfig?.SecurityOpt)}`.includes("no-new-privileges");
}

/** One container's warning (true) for an id, as the test's loop body decides it. */
export function benchWarns(id: Exclude<BenchId, "5.26">, c: BenchContainer): boolean {
  const h = c.HostConfig ?? {};
  switch (id) {
    case "4.1":
      return benchUserIsRoot(c);
    case "5.4":
      return benchCapsAdded(c) !== null;
    case "5.5":
      return goBool(h.Privileged) === "true";
    case "5.10":
      return `NetworkMode=${h.NetworkMode ?? ""}` === "NetworkMode=host";
    case "5.11":
      // `{{ .Config.Memory }}` fails on today's engines, so it reads `{{ .HostConfig.Memory }}`.
      return goInt(h.Memory) === "0";
    case "5.13":
      return goBool(h.ReadonlyRootfs) === "false";
    case "5.16":
      return `PidMode=${h.PidMode ?? ""}` === "PidMode=host";
    case "5.17":
      return `IpcMode=${h.IpcMode ?? ""}` === "IpcMode=host";
    case "5.29":
      return ["0", "<nil>", "-1"].includes(goIntPtr(h.PidsLimit));
    case "5.32":
      return goMounts(c.Mounts).includes("docker.sock");
  }
}

/**
 * The verdict docker-bench prints for one host's running containers (`name` → inspect). With no
 * containers, section 5 is skipped and 4.1 is INFO ("No containers running").
 */
export function benchVerdict(
  id: BenchId,
  containers: ReadonlyArray<{ name: string; inspect: BenchContainer }>,
  daemon?: BenchDaemon,
): BenchVerdict {
  if (containers.length === 0) return { id, result: "INFO", items: [] };
  if (id === "5.26") {
    if (daemon && benchDaemonNoNewPrivileges(daemon)) return { id, result: "PASS", items: [] };
    const items = containers.filter((c) => !benchContainerNoNewPrivileges(c.inspect)).map((c) => c.name);
    return { id, result: items.length ? "WARN" : "PASS", items };
  }
  const items = containers.filter((c) => benchWarns(id, c.inspect)).map((c) => c.name);
  return { id, result: items.length ? "WARN" : "PASS", items };
}
