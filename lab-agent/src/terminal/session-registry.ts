import { randomBytes } from "node:crypto";
import type Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import type { LabId } from "../lab/lab-names.ts";
import type { Watermarks } from "./flow-control.ts";
import type { TerminalId, TerminalInfo, TerminalNode } from "./protocol.ts";
import { PtySession } from "./pty-session.ts";
import { dockerLauncher, type TerminalLauncher } from "./terminal-launcher.ts";

export interface TerminalLimits {
  perNode: number;
  total: number;
}

export const DEFAULT_LIMITS: TerminalLimits = { perNode: 6, total: 16 };
export const DEFAULT_GRACE_MS = 5 * 60_000;

export interface RegistryOptions {
  hostDocker: Docker;
  /** The lab every terminal of this registry runs in: fixed here, never taken from a request. */
  lab: LabId;
  /** How a terminal's process is started (default: `docker exec` on the host engine). */
  launcher?: TerminalLauncher;
  graceMs?: number;
  limits?: TerminalLimits;
  watermarks?: Watermarks;
  /** Called whenever a terminal starts or ends (for logs). */
  onEvent?: (event: { kind: "started" | "ended"; id: TerminalId; node: TerminalNode }) => void;
}

/**
 * Every terminal of one lab (the lead's, or one workshop learner's), keyed by an unguessable id,
 * within per-node and total caps.
 */
export class SessionRegistry {
  private readonly sessions = new Map<TerminalId, PtySession>();
  private readonly launcher: TerminalLauncher;

  constructor(private readonly opts: RegistryOptions) {
    this.launcher = opts.launcher ?? dockerLauncher(opts.hostDocker);
  }

  get lab(): LabId {
    return this.opts.lab;
  }

  /** The terminal if it is one of this registry's (another lab's id is simply not found here). */
  find(id: TerminalId): PtySession | undefined {
    return this.sessions.get(id);
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
    const id = randomBytes(16).toString("hex");
    const command = await this.launcher.prepare(this.opts.lab, node, id);
    // Checked again: another request may have taken the last slot while we looked.
    if (this.running() >= total || this.running(node) >= perNode) return this.create(node, cols, rows);
    const session = spawnSession(
      {
        id,
        node,
        cols,
        rows,
        file: command.file,
        args: command.args,
        env: command.env,
        graceMs: this.opts.graceMs ?? DEFAULT_GRACE_MS,
        ...(this.opts.watermarks ? { watermarks: this.opts.watermarks } : {}),
        hangUp: command.hangUp,
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
