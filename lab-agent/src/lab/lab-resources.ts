import type Docker from "dockerode";
import { LABEL, type LabId, type Role } from "./lab-names.ts";

export interface LabResources {
  /** Lab nodes by role. */
  containers: Map<Role, Docker.ContainerInfo>;
  /** Every container of the lab, including throwaway helpers. */
  allContainers: Docker.ContainerInfo[];
  networks: Docker.NetworkInspectInfo[];
  volumes: Docker.VolumeInspectInfo[];
}

/** Everything that belongs to one lab, found by its labels (never by name alone). */
export async function findLabResources(docker: Docker, lab: LabId): Promise<LabResources> {
  const filters = { label: [`${LABEL.lab}=${lab}`, `${LABEL.managed}=true`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const byRole = new Map<Role, Docker.ContainerInfo>();
  for (const c of containers) {
    const role = c.Labels[LABEL.role] as Role | undefined;
    if (role) byRole.set(role, c);
  }
  return { containers: byRole, allContainers: containers, networks, volumes: volumes.Volumes ?? [] };
}

export function isEmpty(resources: LabResources): boolean {
  return (
    resources.allContainers.length === 0 && resources.networks.length === 0 && resources.volumes.length === 0
  );
}

/** Ids of every lab on this engine, from the labels of its resources. */
export async function listLabs(docker: Docker): Promise<string[]> {
  const filters = { label: [`${LABEL.managed}=true`] };
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  const ids = new Set<string>();
  for (const c of containers) if (c.Labels[LABEL.lab]) ids.add(c.Labels[LABEL.lab] as string);
  for (const n of networks) if (n.Labels?.[LABEL.lab]) ids.add(n.Labels[LABEL.lab] as string);
  return [...ids].sort();
}
