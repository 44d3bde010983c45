import type Docker from "dockerode";
import { z } from "zod";
import { errorMessage } from "../common/errors.ts";
import { withTimeout } from "../engine/find-engine.ts";
import { type ClientCerts, readClientCerts } from "./lab-certs.ts";
import { endpointOf } from "./lab-endpoints.ts";
import { ENGINE_ROLES, type EngineRole, type LabId, ROLES } from "./lab-names.ts";
import { findLabResources, type LabResources } from "./lab-resources.ts";
import { readSettings } from "./lab-settings.ts";
import { nodeEngineClient } from "./node-engine.ts";
import { REGISTRY_PORT } from "./node-spec.ts";
import { RegistryClient } from "./registry-client.ts";

export const NodeStatus = z.object({
  role: z.enum(ROLES),
  container: z.string().nullable(),
  /** Container state as the host engine reports it, or "missing". */
  state: z.string(),
  /** Does the service inside answer (the node's engine, or the registry's /v2/)? */
  healthy: z.boolean(),
  version: z.string().nullable(),
  swarm: z
    .object({
      state: z.string(),
      role: z.enum(["manager", "worker"]).nullable(),
      nodeId: z.string().nullable(),
    })
    .nullable(),
  /** Where the agent reaches it, e.g. 127.0.0.1:32768. */
  endpoint: z.string().nullable(),
  error: z.string().nullable(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

export const LabStatus = z.object({
  lab: z.string(),
  exists: z.boolean(),
  workspace: z.string().nullable(),
  privilegeMode: z.string().nullable(),
  nodes: z.array(NodeStatus),
  healthy: z.boolean(),
});
export type LabStatus = z.infer<typeof LabStatus>;

/** Reads a lab's state from the host engine, each node engine and the registry. */
export async function labStatus(docker: Docker, lab: LabId, home: string): Promise<LabStatus> {
  const resources = await findLabResources(docker, lab);
  const settings = readSettings(home, lab);
  const certs = await certsFromAnyNode(docker, resources);
  const nodes = await Promise.all(ROLES.map((role) => nodeStatus(docker, lab, resources, role, certs)));
  return LabStatus.parse({
    lab,
    exists: resources.allContainers.length > 0 || resources.networks.length > 0,
    workspace: settings?.workspace ?? null,
    privilegeMode: settings?.privilegeMode ?? null,
    nodes,
    healthy: nodes.every((n) => n.healthy),
  });
}

export async function certsFromAnyNode(
  docker: Docker,
  resources: LabResources,
): Promise<ClientCerts | undefined> {
  for (const role of ENGINE_ROLES) {
    const c = resources.containers.get(role);
    if (!c) continue;
    try {
      return await readClientCerts(docker, c.Id);
    } catch {}
  }
  return undefined;
}

async function nodeStatus(
  docker: Docker,
  lab: LabId,
  resources: LabResources,
  role: (typeof ROLES)[number],
  certs: ClientCerts | undefined,
): Promise<NodeStatus> {
  const base: NodeStatus = {
    role,
    container: null,
    state: "missing",
    healthy: false,
    version: null,
    swarm: null,
    endpoint: null,
    error: null,
  };
  const summary = resources.containers.get(role);
  if (!summary) return base;
  const status: NodeStatus = {
    ...base,
    container: summary.Names[0]?.replace(/^\//, "") ?? summary.Id,
    state: summary.State,
  };
  if (summary.State !== "running") return { ...status, error: `container is ${summary.State}` };
  try {
    const info = await docker.getContainer(summary.Id).inspect();
    if (role === "registry") {
      const endpoint = endpointOf(info, lab, REGISTRY_PORT);
      const ping = await new RegistryClient(endpoint).ping();
      return {
        ...status,
        endpoint: `${endpoint.host}:${endpoint.port}`,
        healthy: ping.ok,
        version: "registry/2.0",
        error: ping.error ?? null,
      };
    }
    if (!certs) return { ...status, error: "the lab's client certificate could not be read" };
    const endpoint = endpointOf(info, lab, "2376/tcp");
    const client = nodeEngineClient(info, lab, certs);
    const engine = await withTimeout(client.info(), 3_000, "the engine did not answer within 3 s");
    return {
      ...status,
      endpoint: `${endpoint.host}:${endpoint.port}`,
      healthy: true,
      version: engine.ServerVersion,
      swarm: swarmPart(engine),
    };
  } catch (err) {
    return { ...status, error: errorMessage(err) };
  }
}

function swarmPart(info: {
  Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
}) {
  const state = info.Swarm?.LocalNodeState || "inactive";
  return {
    state,
    role:
      state === "active" ? (info.Swarm?.ControlAvailable ? ("manager" as const) : ("worker" as const)) : null,
    nodeId: info.Swarm?.NodeID || null,
  };
}

export function isEngineRole(role: string): role is EngineRole {
  return (ENGINE_ROLES as readonly string[]).includes(role);
}
