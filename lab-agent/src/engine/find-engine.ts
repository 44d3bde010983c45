import Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { type EngineCandidate, engineCandidates } from "./engine-strategies.ts";

export interface HostEngine {
  docker: Docker;
  description: string;
  version: string;
}

export interface EngineAttempt {
  description: string;
  error: string;
}

/** Pings each candidate in order and returns the first engine that answers. */
export async function probeEngines(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ engine?: HostEngine; attempts: EngineAttempt[] }> {
  const attempts: EngineAttempt[] = [];
  for (const candidate of engineCandidates(env)) {
    try {
      return { engine: await connect(candidate), attempts };
    } catch (err) {
      attempts.push({ description: candidate.description, error: errorMessage(err) });
    }
  }
  return { attempts };
}

async function connect(candidate: EngineCandidate): Promise<HostEngine> {
  const docker = new Docker({ ...candidate.options, timeout: 0 });
  const version = await withTimeout(docker.version(), 5_000, "no answer within 5 s");
  return { docker, description: candidate.description, version: version.Version };
}

export function noEngineError(attempts: EngineAttempt[], hint?: string): DrydockError {
  const tried = attempts.map((a) => `  - ${a.description}: ${a.error}`).join("\n");
  return new DrydockError(ErrorCode.noEngine, "No Docker Engine answered.", {
    details: `Tried:\n${tried || "  (nothing to try)"}`,
    hint:
      hint ??
      "Start Docker (or set DOCKER_HOST to an engine that runs), then try again. On a Debian-family host as root, `npx drydock engine --yes` installs Debian's docker.io and starts it.",
  });
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
