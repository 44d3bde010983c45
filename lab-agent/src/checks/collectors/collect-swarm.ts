import type Docker from "dockerode";
import type { CheckContext } from "../check-definition.ts";

/** The parts of the swarm the checks read, as the manager's Engine API returns them. */
export interface SwarmNode {
  ID: string;
  Description?: {
    Hostname?: string;
    Platform?: { Architecture?: string; OS?: string };
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { Labels?: Record<string, string> };
  };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Status?: { State?: string; Addr?: string; Message?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

export interface ServiceSpec {
  Name?: string;
  Labels?: Record<string, string>;
  TaskTemplate?: {
    ContainerSpec?: {
      Image?: string;
      Env?: string[];
      User?: string;
      Secrets?: Array<{
        SecretID?: string;
        SecretName?: string;
        File?: { Name?: string; UID?: string; GID?: string; Mode?: number };
      }>;
      HealthCheck?: { Test?: string[] };
    };
    Resources?: {
      Limits?: { NanoCPUs?: number; MemoryBytes?: number; Pids?: number };
      Reservations?: { NanoCPUs?: number; MemoryBytes?: number };
    };
    Placement?: {
      Constraints?: string[];
      Preferences?: Array<{ Spread?: { SpreadDescriptor?: string } }>;
      MaxReplicas?: number;
    };
    Networks?: Array<{ Target?: string; Aliases?: string[] }>;
  };
  Mode?: {
    Replicated?: { Replicas?: number };
    Global?: object;
    ReplicatedJob?: { MaxConcurrent?: number; TotalCompletions?: number };
    GlobalJob?: object;
  };
  EndpointSpec?: { Mode?: string; Ports?: Array<{ TargetPort?: number; PublishedPort?: number }> };
  UpdateConfig?: {
    Parallelism?: number;
    Delay?: number;
    FailureAction?: string;
    Monitor?: number;
    Order?: string;
  };
}

export interface SwarmService {
  ID: string;
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  UpdateStatus?: { State?: string; Message?: string; StartedAt?: string; CompletedAt?: string };
  ServiceStatus?: { RunningTasks?: number; DesiredTasks?: number; CompletedTasks?: number };
  Endpoint?: { VirtualIPs?: Array<{ NetworkID?: string; Addr?: string }> };
  CreatedAt?: string;
  UpdatedAt?: string;
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  DesiredState?: string;
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: {
    Timestamp?: string;
    State?: string;
    Err?: string;
    Message?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  NetworksAttachments?: Array<{
    Network?: {
      ID?: string;
      Spec?: { Name?: string; Ingress?: boolean; DriverConfiguration?: { Name?: string } };
      DriverState?: { Name?: string };
    };
    Addresses?: string[];
  }>;
}

export interface SwarmFacts {
  localState: string;
  isManager: boolean;
  nodes: SwarmNode[];
  services: SwarmService[];
  tasks: SwarmTask[];
}

export const MANAGER_SOURCE = "manager-1";

/** One read of the swarm per run: nodes, the stack's services (with status) and all their tasks. */
export function collectSwarm(ctx: CheckContext, stack: string): Promise<SwarmFacts> {
  return ctx.memo(`swarm:${stack}`, async () => {
    const manager = await ctx.lab.engine("manager-1");
    const info = (await manager.info()) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
    };
    const localState = info.Swarm?.LocalNodeState || "inactive";
    const isManager = Boolean(info.Swarm?.ControlAvailable);
    if (localState !== "active" || !isManager)
      return { localState, isManager, nodes: [], services: [], tasks: [] };
    const [nodes, services] = await Promise.all([
      manager.listNodes() as Promise<SwarmNode[]>,
      manager.listServices({
        status: true,
        filters: { label: [`com.docker.stack.namespace=${stack}`] },
      } as Docker.ServiceListOptions) as unknown as Promise<SwarmService[]>,
    ]);
    const tasks = services.length
      ? ((await manager.listTasks({ filters: { service: services.map((s) => s.ID) } })) as SwarmTask[])
      : [];
    return { localState, isManager, nodes, services, tasks };
  });
}

export function serviceNamed(facts: SwarmFacts, stack: string, name: string): SwarmService | undefined {
  return facts.services.find((s) => s.Spec.Name === `${stack}_${name}`);
}

export function hostnameOf(facts: SwarmFacts, nodeId: string | undefined): string {
  return facts.nodes.find((n) => n.ID === nodeId)?.Description?.Hostname ?? nodeId ?? "?";
}

export function runningTasks(facts: SwarmFacts, service: SwarmService): SwarmTask[] {
  return facts.tasks.filter(
    (t) => t.ServiceID === service.ID && t.DesiredState === "running" && t.Status?.State === "running",
  );
}
