import type Docker from "dockerode";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { type LabId, networkName } from "./lab-names.ts";

export interface Endpoint {
  host: string;
  port: number;
}

/**
 * How the agent reaches a lab container's port. On the host (the usual case) through
 * the port published on 127.0.0.1; when the agent itself runs in a container on the
 * lab's network (DRYDOCK_NODE_ACCESS=network), straight to the container's address.
 */
export function endpointOf(
  info: Docker.ContainerInspectInfo,
  lab: LabId,
  containerPort: string,
  env: NodeJS.ProcessEnv = process.env,
): Endpoint {
  if (env.DRYDOCK_NODE_ACCESS === "network") {
    const ip = info.NetworkSettings.Networks[networkName(lab)]?.IPAddress;
    if (ip) return { host: ip, port: Number(containerPort.split("/")[0]) };
  }
  const binding = info.NetworkSettings.Ports?.[containerPort]?.[0];
  if (!binding?.HostPort) {
    throw new DrydockError(
      ErrorCode.nodeEngine,
      `${info.Name.replace(/^\//, "")} publishes no port for ${containerPort}.`,
      {
        hint: "Is it running? `drydock lab up` starts or repairs it.",
      },
    );
  }
  return { host: "127.0.0.1", port: Number(binding.HostPort) };
}

/** The container's address on the lab network (what other nodes use). */
export function labAddressOf(info: Docker.ContainerInspectInfo, lab: LabId): string | undefined {
  return info.NetworkSettings.Networks[networkName(lab)]?.IPAddress || undefined;
}
