import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { containerName, type LabId } from "../lab/lab-names.ts";
import { hasHistoryMount } from "../lab/node-history.ts";
import { dockerCliEnv, hangUp, terminalArgv } from "./docker-exec.ts";
import type { Watermarks } from "./flow-control.ts";
import type { TerminalId, TerminalInfo, TerminalNode } from "./protocol.ts";
import { PtySession } from "./pty-session.ts";

export interface TerminalLimits {
  perNode: number;
  total: number;
}

export const DEFAULT_LIMITS: TerminalLimits = { perNode: 6, total: 16 };
export const DEFAULT_GRACE_MS = 5 * 60_000;

export interface RegistryOptions {
  hostDocker: Docker;
  lab: LabId;
  graceMs?: number;
  limits?: TerminalLimits;
  watermarks?: Watermarks;
  /** Called whenever a terminal starts or ends (for logs). */
  onEvent?: (event: { kind: "started" | "ended"; id: TerminalId; node: TerminalNode }) => void;
}

/** Every terminal of one agent, keyed by an unguessable id, within per-node and total caps. */
export class SessionRegistry {
  private readonly sessions = new Map<TerminalId, PtySession>();
  private readonly env: Record<string, string>;

  constructor(private readonly opts: RegistryOptions) {
    this.env = dockerCliEnv(opts.hostDocker);
  }

  get limits(): TerminalLimits {
    return this.opts.limits ?? DEFAULT_LIMITS;
  }

  list(): TerminalInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  /** Running PTYs (exited terminals kept for their grace period are not counted). */
  running(node?: TerminalNode): number {
    let n = 0;
    for (const s of this.sessions.values()) if (!s.exited && (!node || s.node === node)) n++;
    return n;
  }

  get(id: TerminalId): PtySession {
    const session = this.sessions.get(id);
    if (!session) {
      throw new DrydockError(ErrorCode.notFound, "That terminal does not exist (any more).", {
        hint: "It ended, or was closed after its grace period with nobody attached; open a new one.",
      });
    }
    return session;
  }

  /** Starts a login shell on a node; refuses beyond the caps or when the node is not running. */
  async create(node: TerminalNode, cols: number, rows: number): Promise<PtySession> {
    const { perNode, total } = this.limits;
    if (this.running() >= total || this.running(node) >= perNode) {
      throw new DrydockError(
        ErrorCode.tooMany,
        `Too many terminals are open (at most ${perNode} per node and ${total} in all).`,
        { hint: "Close a terminal you no longer use (type `exit` in it), then try again." },
      );
    }
    const { hostDocker, lab } = this.opts;
    const info = await requireRunning(hostDocker, lab, node);
    // Checked again: another request may have taken the last slot while we looked.
    if (this.running() >= total || this.running(node) >= perNode) return this.create(node, cols, rows);
    const id = randomBytes(16).toString("hex");
    const session = spawnSession(
      {
        id,
        node,
        cols,
        rows,
        file: "docker",
        args: terminalArgv(lab, node, id, hasHistoryMount(node, info)),
        env: this.env,
        graceMs: this.opts.graceMs ?? DEFAULT_GRACE_MS,
        ...(this.opts.watermarks ? { watermarks: this.opts.watermarks } : {}),
        hangUp: () => hangUp(hostDocker, lab, node, id),
        onGone: (s) => {
          this.sessions.delete(s.id);
          this.opts.onEvent?.({ kind: "ended", id: s.id, node: s.node });
        },
      },
      node,
    );
    this.sessions.set(id, session);
    this.opts.onEvent?.({ kind: "started", id, node });
    return session;
  }

  async close(id: TerminalId): Promise<void> {
    await this.get(id).close();
  }

  /** Closes every terminal, e.g. when the agent stops or the lab's engines are replaced. */
  async closeAll(node?: TerminalNode): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].filter((s) => !node || s.node === node).map((s) => s.close()),
    );
  }
}

function spawnSession(opts: ConstructorParameters<typeof PtySession>[0], node: TerminalNode): PtySession {
  try {
    return new PtySession(opts);
  } catch (err) {
    throw new DrydockError(
      ErrorCode.noEngine,
      `Could not start the docker client for ${node}: ${errorMessage(err)}`,
      {
        hint: "Install the docker CLI on this machine (Debian: `apt-get install docker.io`), then open the terminal again.",
        cause: err,
      },
    );
  }
}

async function requireRunning(
  docker: Docker,
  lab: LabId,
  node: TerminalNode,
): Promise<Docker.ContainerInspectInfo> {
  const info = await docker
    .getContainer(containerName(lab, node))
    .inspect()
    .catch(() => undefined);
  if (!info?.State.Running) {
    throw new DrydockError(ErrorCode.labState, `${node} is not running in lab "${lab}".`, {
      hint: "Start the lab (the page's Start lab button, or `drydock lab up`), then open the terminal again.",
    });
  }
  return info;
}
