import type Docker from "dockerode";
import { statusCodeOf } from "../common/errors.ts";
import { LABEL, type LabId } from "../lab/lab-names.ts";

/**
 * Removes everything labelled with one lab (io.drydock.managed=true and io.drydock.lab=<lab>):
 * containers (with their anonymous volumes), then networks, then named volumes. Unlike
 * `labDown` it is safe to run while someone else removes the same lab (the agent's reaper and
 * `drydock workshop stop` may both be at it): what is already gone, or going, is not an error,
 * and a lab with nothing left is simply done.
 */
export async function removeLabResources(
  docker: Docker,
  lab: LabId,
): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = { label: [`${LABEL.managed}=true`, `${LABEL.lab}=${lab}`] };
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => gone(docker.getContainer(c.Id).remove({ force: true, v: true }))));
  // Listed after the containers went: a container removed just now may have held a network or volume.
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => gone(docker.getNetwork(n.Id).remove())));
  const volumes = (await docker.listVolumes({ filters })).Volumes ?? [];
  await Promise.all(volumes.map((v) => gone(docker.getVolume(v.Name).remove({ force: true }))));
  return { containers: containers.length, networks: networks.length, volumes: volumes.length };
}

/** What is still labelled with any of these labs: the proof that an event left nothing behind. */
export async function labelledLeftovers(
  docker: Docker,
  labs: readonly LabId[],
): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const wanted = new Set(labs);
  const filters = { label: [`${LABEL.managed}=true`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  const mine = (labels: Record<string, string> | null | undefined) => wanted.has(labels?.[LABEL.lab] ?? "");
  return {
    containers: containers.filter((c) => mine(c.Labels)).map((c) => c.Names[0]?.replace(/^\//, "") ?? c.Id),
    networks: networks.filter((n) => mine(n.Labels)).map((n) => n.Name),
    volumes: (volumes.Volumes ?? []).filter((v) => mine(v.Labels)).map((v) => v.Name),
  };
}

/** Already removed (404) or being removed by someone else (409 "removal … in progress") is fine. */
async function gone(removal: Promise<unknown>): Promise<void> {
  try {
    await removal;
  } catch (err) {
    const status = statusCodeOf(err);
    if (status === 404) return;
    if (status === 409 && /already in progress|is being removed/i.test(String((err as Error).message)))
      return;
    throw err;
  }
}
