import type Docker from "dockerode";
import { z } from "zod";
import { withTimeout } from "../engine/find-engine.ts";
import type { LabId } from "./lab-names.ts";
import { findLabResources } from "./lab-resources.ts";
import { certsFromAnyNode } from "./lab-status.ts";
import { nodeEngineClient } from "./node-engine.ts";

/** The swarm as a visualizer draws it: nodes, services, and where each task runs. */
export const SwarmView = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      hostname: z.string(),
      role: z.enum(["manager", "worker"]),
      state: z.string(),
      availability: z.string(),
    }),
  ),
  services: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      image: z.string(),
      mode: z.enum(["replicated", "global"]),
      desired: z.number(),
      running: z.number(),
    }),
  ),
  tasks: z.array(
    z.object({
      id: z.string(),
      serviceId: z.string(),
      nodeId: z.string().nullable(),
      slot: z.number().nullable(),
      state: z.string(),
      desiredState: z.string(),
      error: z.string().nullable(),
    }),
  ),
});
export type SwarmView = z.infer<typeof SwarmView>;

const EMPTY: SwarmView = { nodes: [], services: [], tasks: [] };

/**
 * Reads the swarm from manager-1's engine. A lab whose swarm is not formed yet (or whose
 * manager is down) has an empty view, not an error: the page shows the nodes it has.
 */
export async function swarmView(docker: Docker, lab: LabId): Promise<SwarmView> {
  const resources = await findLabResources(docker, lab);
  const manager = resources.containers.get("manager-1");
  if (manager?.State !== "running") return EMPTY;
  const certs = await certsFromAnyNode(docker, resources);
  if (!certs) return EMPTY;
  const client = nodeEngineClient(await docker.getContainer(manager.Id).inspect(), lab, certs);
  const info = await withTimeout(client.info(), 3_000, "manager-1 did not answer within 3 s");
  if (info.Swarm?.LocalNodeState !== "active" || !info.Swarm?.ControlAvailable) return EMPTY;

  const [nodes, services, tasks] = await Promise.all([
    client.listNodes(),
    client.listServices(),
    client.listTasks(),
  ]);
  const running = new Map<string, number>();
  for (const t of tasks) {
    if (t.Status?.State === "running" && t.ServiceID)
      running.set(t.ServiceID, (running.get(t.ServiceID) ?? 0) + 1);
  }
  const readyNodes = nodes.filter((n) => n.Status?.State === "ready").length;
  return SwarmView.parse({
    nodes: nodes.map((n) => ({
      id: n.ID ?? "",
      hostname: n.Description?.Hostname ?? "?",
      role: n.Spec?.Role === "manager" ? "manager" : "worker",
      state: n.Status?.State ?? "unknown",
      availability: n.Spec?.Availability ?? "unknown",
    })),
    services: services.map((s) => {
      const global = s.Spec?.Mode?.Global !== undefined;
      return {
        id: s.ID ?? "",
        name: s.Spec?.Name ?? "?",
        image:
          (s.Spec?.TaskTemplate as { ContainerSpec?: { Image?: string } } | undefined)?.ContainerSpec
            ?.Image ?? "",
        mode: global ? "global" : "replicated",
        desired: global ? readyNodes : (s.Spec?.Mode?.Replicated?.Replicas ?? 0),
        running: running.get(s.ID ?? "") ?? 0,
      };
    }),
    // Tasks that are gone for good clutter the grid; the recent history of each slot stays.
    tasks: tasks
      .filter((t) => t.DesiredState !== "shutdown" || t.Status?.State !== "shutdown")
      .map((t) => ({
        id: t.ID ?? "",
        serviceId: t.ServiceID ?? "",
        nodeId: t.NodeID || null,
        slot: t.Slot ?? null,
        state: t.Status?.State ?? "unknown",
        desiredState: t.DesiredState ?? "unknown",
        error: t.Status?.Err || null,
      })),
  });
}
