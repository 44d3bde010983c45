import type Docker from "dockerode";
import type { CheckContext } from "../check-definition.ts";
import type { SwarmNode, SwarmService, SwarmTask } from "./collect-swarm.ts";

/** A swarm network as `GET /networks` returns it (the parts the checks read). */
export interface SwarmNetwork {
  Id: string;
  Name: string;
  Driver?: string;
  Scope?: string;
  Ingress?: boolean;
  Attachable?: boolean;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** A secret's metadata as `GET /secrets` returns it (the Engine API never returns its data). */
export interface SwarmSecret {
  ID: string;
  CreatedAt?: string;
  Spec?: { Name?: string; Labels?: Record<string, string> };
}

/**
 * The whole swarm as manager-1 sees it, read once per run: every service (not only the stack's,
 * so a stack deployed under another name or a `docker service create` by hand can be named),
 * every task, node, network and secret. `at` is when it was read (task ages are judged against it).
 */
export interface ClusterFacts {
  at: number;
  localState: string;
  /** The swarm's cluster id (to tell a worker in another swarm from one in no swarm). */
  clusterId?: string;
  isManager: boolean;
  nodes: SwarmNode[];
  services: SwarmService[];
  tasks: SwarmTask[];
  networks: SwarmNetwork[];
  secrets: SwarmSecret[];
}

export const NO_CLUSTER = (localState: string, isManager: boolean, at: number): ClusterFacts => ({
  at,
  localState,
  isManager,
  nodes: [],
  services: [],
  tasks: [],
  networks: [],
  secrets: [],
});

export function collectCluster(ctx: CheckContext): Promise<ClusterFacts> {
  return ctx.memo("swarm-cluster", async () => {
    const manager = await ctx.lab.engine("manager-1");
    const info = (await manager.info()) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; Cluster?: { ID?: string } };
    };
    const localState = info.Swarm?.LocalNodeState || "inactive";
    const isManager = Boolean(info.Swarm?.ControlAvailable);
    if (localState !== "active" || !isManager) return NO_CLUSTER(localState, isManager, Date.now());
    const clusterId = info.Swarm?.Cluster?.ID;
    const [nodes, services, tasks, networks, secrets] = await Promise.all([
      manager.listNodes() as Promise<SwarmNode[]>,
      manager.listServices({ status: true } as Docker.ServiceListOptions) as unknown as Promise<
        SwarmService[]
      >,
      manager.listTasks() as Promise<SwarmTask[]>,
      manager.listNetworks({ filters: { scope: ["swarm"] } }) as Promise<SwarmNetwork[]>,
      manager.listSecrets() as unknown as Promise<SwarmSecret[]>,
    ]);
    return {
      at: Date.now(),
      localState,
      isManager,
      ...(clusterId ? { clusterId } : {}),
      nodes,
      services,
      tasks,
      networks,
      secrets,
    };
  });
}

/** What a worker's own engine says about its swarm membership (read only to explain a missing node). */
export interface NodeSelfView {
  node: string;
  localState?: string;
  clusterId?: string;
  isManager?: boolean;
  error?: string;
}

export async function collectNodeSelfViews(
  ctx: CheckContext,
  nodes: readonly string[],
): Promise<NodeSelfView[]> {
  return Promise.all(
    nodes.map(async (node): Promise<NodeSelfView> => {
      try {
        const engine = await ctx.lab.engine(node as "worker-1");
        const info = (await engine.info()) as {
          Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; Cluster?: { ID?: string } };
        };
        return {
          node,
          localState: info.Swarm?.LocalNodeState || "inactive",
          ...(info.Swarm?.Cluster?.ID ? { clusterId: info.Swarm.Cluster.ID } : {}),
          isManager: Boolean(info.Swarm?.ControlAvailable),
        };
      } catch (err) {
        return { node, error: (err as Error).message };
      }
    }),
  );
}
