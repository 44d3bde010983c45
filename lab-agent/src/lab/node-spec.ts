import type Docker from "dockerode";
import {
  type EngineRole,
  engineVolumePurpose,
  LABEL,
  type LabId,
  labLabels,
  networkName,
  volumeName,
} from "./lab-names.ts";
import type { PrivilegeMode } from "./lab-settings.ts";
import { historyBinds } from "./node-history.ts";

export const ENGINE_PORT = "2376/tcp";
export const REGISTRY_PORT = "5000/tcp";

/**
 * What the host refuses `--privileged` for on some VMs (a capability missing from the
 * bounding set), and the explicit option set that runs a Docker engine there instead.
 */
export const EXPLICIT_CAPS_HOST_CONFIG: Docker.HostConfig = {
  CapAdd: ["ALL"],
  CapDrop: ["SYS_RESOURCE"],
  SecurityOpt: ["seccomp=unconfined", "apparmor=unconfined"],
  // `--security-opt systempaths=unconfined` is the CLI's name for these two empty lists.
  MaskedPaths: [],
  ReadonlyPaths: [],
  Binds: ["/sys/fs/cgroup:/sys/fs/cgroup:rw"],
};

/** A named lab volume; created on first use with the lab's labels, so `down` finds it. */
export function labVolumeMount(
  lab: LabId,
  purpose: string,
  target: string,
  readOnly = false,
): Docker.MountSettings {
  return {
    Type: "volume",
    Source: volumeName(lab, purpose),
    Target: target,
    ReadOnly: readOnly,
    VolumeOptions: {
      Labels: labLabels(lab, { [LABEL.purpose]: purpose }),
    } as Docker.MountSettings["VolumeOptions"],
  };
}

export interface EngineNodeSpecInput {
  lab: LabId;
  role: EngineRole;
  image: string;
  imageHash: string;
  mode: PrivilegeMode;
  memoryBytes: number;
  pidsLimit: number;
  /** CPU cap (NanoCpus, 1e9 = one CPU); none when absent. */
  nanoCpus?: number;
  /** Host folder mounted at /workspace on laptop. */
  workspace: string;
}

export function engineNodeSpec(input: EngineNodeSpecInput): Docker.ContainerCreateOptions {
  const { lab, role } = input;
  const labels = labLabels(lab, { [LABEL.role]: role, [LABEL.imageHash]: input.imageHash });
  const privileges: Docker.HostConfig =
    input.mode === "privileged" ? { Privileged: true } : structuredClone(EXPLICIT_CAPS_HOST_CONFIG);
  return {
    Image: input.image,
    Hostname: role,
    Labels: labels,
    Env: [`DRYDOCK_ROLE=${role}`],
    WorkingDir: role === "laptop" ? "/workspace" : "/root",
    ExposedPorts: { [ENGINE_PORT]: {} },
    StopTimeout: 20,
    HostConfig: {
      ...privileges,
      Binds: [
        ...(privileges.Binds ?? []),
        ...(role === "laptop" ? [`${input.workspace}:/workspace`] : historyBinds(input.workspace, role)),
      ],
      Mounts: [
        labVolumeMount(lab, "certs", "/certs", true),
        labVolumeMount(lab, engineVolumePurpose(role), "/var/lib/docker"),
      ],
      Tmpfs: { "/run": "", "/tmp": "" },
      Memory: input.memoryBytes,
      MemorySwap: input.memoryBytes,
      PidsLimit: input.pidsLimit,
      ...(input.nanoCpus ? { NanoCpus: input.nanoCpus } : {}),
      // Only this host's loopback: the engine port is TLS with client certificates anyway.
      PortBindings: { [ENGINE_PORT]: [{ HostIp: "127.0.0.1", HostPort: "" }] },
      RestartPolicy: { Name: "unless-stopped" },
      NetworkMode: networkName(lab),
    },
    NetworkingConfig: { EndpointsConfig: { [networkName(lab)]: { Aliases: [role] } } },
  };
}

export interface RegistrySpecInput {
  lab: LabId;
  image: string;
  imageHash: string;
  /** 0: the engine picks a free port. */
  hostPort: number;
}

export function registrySpec(input: RegistrySpecInput): Docker.ContainerCreateOptions {
  const { lab } = input;
  return {
    Image: input.image,
    Hostname: "registry",
    Labels: labLabels(lab, { [LABEL.role]: "registry", [LABEL.imageHash]: input.imageHash }),
    ExposedPorts: { [REGISTRY_PORT]: {} },
    HostConfig: {
      Mounts: [labVolumeMount(lab, "registry-data", "/var/lib/registry")],
      Memory: 256 * 1024 ** 2,
      PidsLimit: 512,
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges:true"],
      PortBindings: {
        [REGISTRY_PORT]: [{ HostIp: "127.0.0.1", HostPort: input.hostPort ? String(input.hostPort) : "" }],
      },
      RestartPolicy: { Name: "unless-stopped" },
      NetworkMode: networkName(lab),
    },
    NetworkingConfig: { EndpointsConfig: { [networkName(lab)]: { Aliases: ["registry"] } } },
  };
}
