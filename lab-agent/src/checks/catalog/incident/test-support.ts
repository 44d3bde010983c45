import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SwarmFacts, SwarmTask } from "../../collectors/collect-swarm.ts";

/** A swarm recorded on a real lab (hour 17's deploy): three nodes, reg-case_case-api, its tasks. */
export function recordedSwarm(): SwarmFacts {
  const file = join(import.meta.dirname, "..", "rollout", "fixtures", "rollback-automatic", "deployed.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { swarm: SwarmFacts }).swarm;
}

/** The recorded swarm with one more task of case-api that failed as given (Swarm's own Err strings). */
export function withFailure(err: string, exitCode: number | undefined, swarm = recordedSwarm()): SwarmFacts {
  const base = swarm.tasks.find((t) => t.DesiredState === "running") ?? (swarm.tasks[0] as SwarmTask);
  const failed: SwarmTask = {
    ...structuredClone(base),
    ID: "q3x9failedtask0000000000a",
    DesiredState: "shutdown",
    Status: {
      Timestamp: "2026-12-01T21:30:00.000000000Z",
      State: "failed",
      Message: "started",
      Err: err,
      ...(exitCode === undefined ? {} : { ContainerStatus: { ContainerID: "c0ffee", ExitCode: exitCode } }),
    },
  };
  return { ...swarm, tasks: [...swarm.tasks, failed] };
}
