import type Docker from "dockerode";
import { z } from "zod";
import type { CheckContext } from "../../check-definition.ts";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, fail } from "../../check-result.ts";
import { inspectContainer } from "../../engine-reads.ts";

/** The runtime checks are plain v2 definitions (kind, `watches`); the name stays for their files. */
export const runtimeCheck = defineCheck;

export const ContainerParam = z
  .string()
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
  .default("case-api");

export const CTR_SOURCE = "laptop: GET /containers/{name}/json";

export function collectContainer(ctx: CheckContext, name: string) {
  return ctx.memo(`container:${name}`, async () => inspectContainer(await ctx.lab.engine("laptop"), name));
}

/** A fail when the learner's container is missing or not running, else undefined. */
export function noContainer(
  name: string,
  info: Docker.ContainerInspectInfo | undefined,
): CheckOutcome | undefined {
  if (info?.State.Running) return undefined;
  return fail(
    info
      ? `The container ${name} is ${info.State.Status}, not running${info.State.Restarting ? ` (restarted ${info.RestartCount} times: it keeps crashing)` : ""}.`
      : `There is no container named ${name} on laptop.`,
    [
      {
        source: CTR_SOURCE,
        field: "State.Status",
        observed: info?.State.Status ?? "404 no such container",
        expected: `${name} running`,
      },
    ],
  );
}

/** A Swarm task's container: Swarm, not the container, restarts and stops it. */
export function swarmTask(info: Docker.ContainerInspectInfo): string | undefined {
  return info.Config.Labels?.["com.docker.swarm.task.id"]
    ? info.Config.Labels["com.docker.swarm.service.name"]
    : undefined;
}
