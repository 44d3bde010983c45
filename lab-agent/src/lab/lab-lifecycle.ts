import { mkdirSync } from "node:fs";
import type Docker from "dockerode";
import { describeReap, reapLab } from "../checks/probes/reaper.ts";
import { DrydockError, ErrorCode, errorMessage, statusCodeOf } from "../common/errors.ts";
import { type Progress, step } from "../common/progress.ts";
import { seedStarterApp } from "../exercises/starter-app.ts";
import { ensureImages, type LabImages } from "../images/ensure-images.ts";
import { type ClientCerts, ensureLabCerts } from "./lab-certs.ts";
import { endpointOf } from "./lab-endpoints.ts";
import {
  containerName,
  ENGINE_ROLES,
  type EngineRole,
  engineVolumePurpose,
  LABEL,
  type LabId,
  labLabels,
  networkName,
  type Role,
  volumeName,
} from "./lab-names.ts";
import { findLabResources, isEmpty, listLabs } from "./lab-resources.ts";
import {
  DEFAULT_MEMORY,
  DEFAULT_PIDS,
  defaultWorkspace,
  type LabSettings,
  readSettings,
  removeSettings,
  resolveWorkspace,
  writeSettings,
} from "./lab-settings.ts";
import { type LabStatus, labStatus } from "./lab-status.ts";
import { nodeEngineClient, waitForEngine } from "./node-engine.ts";
import { ensureHistoryDirs } from "./node-history.ts";
import { engineNodeSpec, REGISTRY_PORT, registrySpec } from "./node-spec.ts";
import { probePrivilege } from "./privilege-probe.ts";
import { RegistryClient } from "./registry-client.ts";
import { seedRegistry } from "./seed-registry.ts";

export interface LabContext {
  /** The host engine. */
  docker: Docker;
  lab: LabId;
  home: string;
  progress: Progress;
}

export interface UpOptions {
  workspace?: string;
  memoryBytes?: number;
  pidsLimit?: number;
  /** CPU cap per engine node (NanoCpus, 1e9 = one CPU); a workshop learner's lab has one. */
  nanoCpus?: number;
  registryPort?: number;
  offline?: boolean;
  /** Seconds to wait for each node engine. */
  engineTimeoutSeconds?: number;
  /**
   * The lab network's IPv4 subnet (a workshop's address pool, workshop/address-pool.ts), for a
   * network created now; without it Docker picks one from its default pools, as before.
   */
  subnet?: string;
}

/**
 * Brings one lab up, idempotently: whatever already exists (found by labels) is reused,
 * stopped parts are started, a node whose engine does not answer is rebuilt once.
 */
export async function labUp(ctx: LabContext, opts: UpOptions = {}): Promise<LabStatus> {
  const { docker, lab, home, progress } = ctx;
  const images = await ensureImages(docker, {
    progress,
    ...(opts.offline !== undefined ? { offline: opts.offline } : {}),
  });
  const settings = mergeSettings(readSettings(home, lab), lab, home, opts);
  mkdirSync(settings.workspace, { recursive: true });
  ensureHistoryDirs(settings.workspace);
  // A new workspace gets the starter app (never overwriting the learner's copy); a failure here
  // only costs the learner a copy step, so it warns instead of stopping the lab.
  await seedStarterApp(settings.workspace, home, progress).catch((err: Error) =>
    progress({ kind: "warn", message: `The starter app was not copied into the workspace: ${err.message}` }),
  );

  const found = await findLabResources(docker, lab);
  if (!isEmpty(found)) {
    progress({
      kind: "info",
      message: `Found lab "${lab}" (${found.containers.size} of 5 containers); reusing it.`,
    });
  }
  await ensureNetwork(docker, lab, found.networks, opts.subnet, progress);
  const certs = await step(progress, "certs", "Preparing the lab's TLS certificates", () =>
    ensureLabCerts(docker, lab, images.node.ref),
  );
  if (!settings.privilegeMode) {
    const decision = await probePrivilege(docker, lab, images.node.ref);
    settings.privilegeMode = decision.mode;
    progress({
      kind: decision.mode === "privileged" ? "info" : "warn",
      message:
        decision.mode === "privileged"
          ? "Nodes run with --privileged."
          : `This host refuses --privileged (${decision.reason}); nodes run with an explicit capability set instead.`,
    });
  }
  writeSettings(home, settings);

  const registryInfo = await step(progress, "registry", "Starting the lab registry", async () => {
    const seeded = images.seededRegistry;
    const info = await ensureContainer(ctx, "registry", found.containers.get("registry"), seeded.hash, () =>
      registrySpec({ lab, image: seeded.ref, imageHash: seeded.hash, hostPort: settings.registryPort }),
    );
    await new RegistryClient(endpointOf(info, lab, REGISTRY_PORT)).waitUntilReady();
    return info;
  });

  await step(progress, "nodes", "Starting laptop, manager-1, worker-1, worker-2", () =>
    Promise.all(
      ENGINE_ROLES.map((role) =>
        ensureEngineNode(
          ctx,
          role,
          found.containers.get(role),
          images,
          settings,
          certs,
          opts.engineTimeoutSeconds,
        ),
      ),
    ),
  );

  // Leftovers of checks killed mid-probe (a restart probe's crash-looping copy) go now.
  const reaped = describeReap(
    await reapLab(
      async (role) =>
        nodeEngineClient(await ctx.docker.getContainer(containerName(lab, role)).inspect(), lab, certs),
      ENGINE_ROLES,
    ),
  );
  if (reaped) progress({ kind: "info", message: reaped });

  // The host engine pushes through the registry's published port, whatever way the agent reaches it.
  const published = registryInfo.NetworkSettings.Ports?.[REGISTRY_PORT]?.[0]?.HostPort;
  settings.seeded = await seedRegistry(
    docker,
    new RegistryClient(endpointOf(registryInfo, lab, REGISTRY_PORT)),
    `127.0.0.1:${published}`,
    // A new registry volume starts as a copy of the seeded image; a record that disagrees
    // with what the registry serves is simply pushed again.
    { ...settings.seeded, ...images.seededRegistry.seeded },
    progress,
  );
  writeSettings(home, settings);
  return labStatus(docker, lab, home);
}

/** Fresh engines (their containers and /var/lib/docker volumes); the workspace, registry and certs stay. */
export async function labReset(ctx: LabContext, opts: UpOptions = {}): Promise<LabStatus> {
  const found = await requireLab(ctx);
  await step(ctx.progress, "reset", "Removing the lab's engines and their state", async () => {
    await Promise.all(
      ENGINE_ROLES.map(async (role) => {
        const c = found.containers.get(role);
        if (c) await ctx.docker.getContainer(c.Id).remove({ force: true, v: true });
        await removeVolume(ctx.docker, volumeName(ctx.lab, engineVolumePurpose(role)));
      }),
    );
  });
  return labUp(ctx, opts);
}

/** Removes every container, network and volume labelled with this lab, and nothing else. */
export async function labDown(
  ctx: LabContext,
): Promise<{ removed: { containers: number; networks: number; volumes: number }; workspace?: string }> {
  const { docker, lab, home } = ctx;
  const found = await requireLab(ctx);
  const settings = readSettings(home, lab);
  return step(ctx.progress, "down", `Removing lab "${lab}"`, async () => {
    await Promise.all(
      found.allContainers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })),
    );
    // Volumes are listed again: removing containers can reveal ones created meanwhile.
    const after = await findLabResources(docker, lab);
    await Promise.all(after.networks.map((n) => docker.getNetwork(n.Id).remove()));
    await Promise.all(after.volumes.map((v) => removeVolume(docker, v.Name)));
    removeSettings(home, lab);
    return {
      removed: {
        containers: found.allContainers.length,
        networks: after.networks.length,
        volumes: after.volumes.length,
      },
      ...(settings ? { workspace: settings.workspace } : {}),
    };
  });
}

/** Fails with the list of labs that do exist when this one does not. */
export async function requireLab(ctx: LabContext) {
  const found = await findLabResources(ctx.docker, ctx.lab);
  if (isEmpty(found)) {
    const labs = await listLabs(ctx.docker);
    throw new DrydockError(ErrorCode.notFound, `There is no lab named "${ctx.lab}".`, {
      hint: labs.length
        ? `Labs on this engine: ${labs.join(", ")}. Pass one with --lab, or create this one with \`drydock lab up --lab ${ctx.lab}\`.`
        : `There are no labs yet. Create one with \`drydock lab up${ctx.lab === "default" ? "" : ` --lab ${ctx.lab}`}\`.`,
    });
  }
  return found;
}

function mergeSettings(
  existing: LabSettings | undefined,
  lab: LabId,
  home: string,
  opts: UpOptions,
): LabSettings {
  return {
    lab,
    workspace: resolveWorkspace(opts.workspace ?? existing?.workspace ?? defaultWorkspace(home, lab)),
    memoryBytes: opts.memoryBytes ?? existing?.memoryBytes ?? DEFAULT_MEMORY,
    pidsLimit: opts.pidsLimit ?? existing?.pidsLimit ?? DEFAULT_PIDS,
    ...((opts.nanoCpus ?? existing?.nanoCpus) ? { nanoCpus: opts.nanoCpus ?? existing?.nanoCpus } : {}),
    registryPort: opts.registryPort ?? existing?.registryPort ?? 0,
    ...(existing?.privilegeMode ? { privilegeMode: existing.privilegeMode } : {}),
    seeded: existing?.seeded ?? {},
    createdAt: existing?.createdAt ?? new Date().toISOString(),
  };
}

/** The lab's private bridge network; with `subnet`, addressed from it instead of Docker's default pools. */
export function labNetworkSpec(lab: LabId, subnet?: string): Docker.NetworkCreateOptions {
  return {
    Name: networkName(lab),
    Driver: "bridge",
    Labels: labLabels(lab),
    CheckDuplicate: true,
    ...(subnet ? { IPAM: { Driver: "default", Config: [{ Subnet: subnet }] } } : {}),
  };
}

async function ensureNetwork(
  docker: Docker,
  lab: LabId,
  existing: Docker.NetworkInspectInfo[],
  subnet: string | undefined,
  progress: Progress,
): Promise<void> {
  if (existing.length > 0) {
    // A network is never re-addressed under running nodes: say so when it differs from what was asked.
    const has = existing.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet));
    if (subnet && !has.includes(subnet)) {
      progress({
        kind: "warn",
        message: `The lab network ${networkName(lab)} keeps its subnet ${has.join(", ") || "(none)"}, not ${subnet}: \`drydock lab down --lab ${lab}\` first to re-address it.`,
      });
    }
    return;
  }
  try {
    await docker.createNetwork(labNetworkSpec(lab, subnet));
  } catch (err) {
    if (statusCodeOf(err) === 409) throw nameTaken(`network ${networkName(lab)}`, lab);
    throw new DrydockError(
      ErrorCode.conflict,
      `Creating the lab network ${networkName(lab)} failed: ${errorMessage(err)}`,
      {
        hint: subnet
          ? `The subnet ${subnet} may overlap a network created meanwhile: try again, or remove networks you no longer need (\`docker network prune\`).`
          : "If Docker has run out of address pools, remove networks you no longer need (`docker network prune`).",
        cause: err,
      },
    );
  }
}

/** Creates (or reuses) one lab container and makes sure it runs. */
async function ensureContainer(
  ctx: LabContext,
  role: Role,
  existing: Docker.ContainerInfo | undefined,
  imageHash: string,
  spec: () => Docker.ContainerCreateOptions,
): Promise<Docker.ContainerInspectInfo> {
  const { docker, lab, progress } = ctx;
  const name = containerName(lab, role);
  let container: Docker.Container;
  if (existing) {
    container = docker.getContainer(existing.Id);
    if (existing.Labels[LABEL.imageHash] !== imageHash) {
      progress({
        kind: "warn",
        message: `${role} runs an older Drydock image; \`drydock lab reset --lab ${lab}\` moves the engines to the new one.`,
      });
    }
  } else {
    try {
      container = await docker.createContainer({ ...spec(), name });
    } catch (err) {
      if (statusCodeOf(err) === 409) throw nameTaken(`container name ${name}`, lab);
      throw err;
    }
  }
  const info = await container.inspect();
  if (!info.State.Running) {
    try {
      await container.start();
    } catch (err) {
      const message = errorMessage(err);
      if (/port is already allocated|address already in use/i.test(message)) {
        if (!existing) await container.remove({ force: true }).catch(() => {});
        throw new DrydockError(
          ErrorCode.conflict,
          `${role} cannot start: a host port it needs is already taken.`,
          {
            details: message,
            hint: "Free that port, or choose another with --registry-port (0 lets Docker pick a free one).",
          },
        );
      }
      throw err;
    }
  }
  return container.inspect();
}

async function ensureEngineNode(
  ctx: LabContext,
  role: EngineRole,
  existing: Docker.ContainerInfo | undefined,
  images: LabImages,
  settings: LabSettings,
  certs: ClientCerts,
  timeoutSeconds = 60,
): Promise<void> {
  const spec = () =>
    engineNodeSpec({
      lab: ctx.lab,
      role,
      image: images.node.ref,
      imageHash: images.node.hash,
      mode: settings.privilegeMode ?? "privileged",
      memoryBytes: settings.memoryBytes,
      pidsLimit: settings.pidsLimit,
      ...(settings.nanoCpus ? { nanoCpus: settings.nanoCpus } : {}),
      workspace: settings.workspace,
    });
  const startAndWait = async (current: Docker.ContainerInfo | undefined) => {
    const info = await ensureContainer(ctx, role, current, images.node.hash, spec);
    await waitForEngine(nodeEngineClient(info, ctx.lab, certs), {
      hostDocker: ctx.docker,
      containerId: info.Id,
      role,
      timeoutMs: timeoutSeconds * 1000,
    });
  };
  try {
    await startAndWait(existing);
  } catch (err) {
    if (!(err instanceof DrydockError) || err.code !== ErrorCode.nodeEngine) throw err;
    ctx.progress({ kind: "warn", message: `${err.message} Rebuilding ${role}.\n${err.details ?? ""}` });
    const stale = await ctx.docker
      .getContainer(containerName(ctx.lab, role))
      .inspect()
      .catch(() => undefined);
    if (stale) await ctx.docker.getContainer(stale.Id).remove({ force: true, v: true });
    await removeVolume(ctx.docker, volumeName(ctx.lab, engineVolumePurpose(role)));
    await startAndWait(undefined);
    ctx.progress({ kind: "info", message: `${role} was rebuilt and its engine answers.` });
  }
}

async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove({ force: true });
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
  }
}

function nameTaken(what: string, lab: LabId): DrydockError {
  return new DrydockError(
    ErrorCode.conflict,
    `The ${what} is already taken by something that is not part of lab "${lab}".`,
    {
      hint: `Remove or rename it (\`docker rm\` / \`docker network rm\`), or use another lab id with --lab.`,
    },
  );
}
