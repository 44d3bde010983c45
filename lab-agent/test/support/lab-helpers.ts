import type Docker from "dockerode";
import { probeEngines } from "../../src/engine/find-engine.ts";
import { demuxDockerStream } from "../../src/lab/container-logs.ts";
import { readClientCerts } from "../../src/lab/lab-certs.ts";
import { containerName, type EngineRole, LABEL } from "../../src/lab/lab-names.ts";
import { nodeEngineClient } from "../../src/lab/node-engine.ts";

export async function hostDocker(): Promise<Docker> {
  const { engine } = await probeEngines();
  if (!engine) throw new Error("no host engine for the lab tests");
  return engine.docker;
}

/** Runs argv in a lab node (an exec through the host engine) and returns its output and exit code. */
export async function execIn(
  docker: Docker,
  lab: string,
  role: EngineRole,
  cmd: string[],
): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(containerName(lab, role)).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, output: demuxDockerStream(Buffer.concat(chunks)) };
}

/** A client for a node's own engine, as the agent makes it. */
export async function nodeClient(docker: Docker, lab: string, role: EngineRole): Promise<Docker> {
  const container = docker.getContainer(containerName(lab, role));
  const info = await container.inspect();
  return nodeEngineClient(info, lab, await readClientCerts(docker, info.Id));
}

/** Every container, network and volume labelled with this lab. */
export async function labelledResources(docker: Docker, lab: string) {
  const filters = { label: [`${LABEL.lab}=${lab}`] };
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers, networks, volumes: volumes.Volumes ?? [] };
}

export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
