import type Docker from "dockerode";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { containerName, type LabId } from "../lab/lab-names.ts";
import { hasHistoryMount } from "../lab/node-history.ts";
import { dockerCliEnv, hangUp, terminalArgv } from "./docker-exec.ts";
import type { TerminalId, TerminalNode } from "./protocol.ts";

/** The process a terminal runs, and how it is ended inside the node. */
export interface TerminalCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  hangUp: () => Promise<void>;
}

/**
 * How a terminal of one lab's node is started: by default `docker exec -it … bash -l` in the
 * node's container (dockerLauncher). The lab is always the registry's own, fixed when the
 * registry was made (session-registry.ts), never a request's.
 */
export interface TerminalLauncher {
  /** Refuses (lab-state) when the node is not running; otherwise the command for terminal `id`. */
  prepare(lab: LabId, node: TerminalNode, id: TerminalId): Promise<TerminalCommand>;
}

export function dockerLauncher(hostDocker: Docker): TerminalLauncher {
  const env = dockerCliEnv(hostDocker);
  return {
    async prepare(lab, node, id) {
      const info = await hostDocker
        .getContainer(containerName(lab, node))
        .inspect()
        .catch(() => undefined);
      if (!info?.State.Running) {
        throw new DrydockError(ErrorCode.labState, `${node} is not running in lab "${lab}".`, {
          hint: "Start the lab (the page's Start lab button, or `drydock lab up`), then open the terminal again.",
        });
      }
      return {
        file: "docker",
        args: terminalArgv(lab, node, id, hasHistoryMount(node, info)),
        env,
        hangUp: () => hangUp(hostDocker, lab, node, id),
      };
    },
  };
}
