import type Docker from "dockerode";
import { CheckService } from "../checks/check-service.ts";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import type { LabId } from "../lab/lab-names.ts";
import { PracticeRecorder } from "../progress/practice-recorder.ts";
import type { TerminalId, TerminalInfo } from "../terminal/protocol.ts";
import type { PtySession } from "../terminal/pty-session.ts";
import { SessionRegistry, type TerminalLimits } from "../terminal/session-registry.ts";
import type { TerminalLauncher } from "../terminal/terminal-launcher.ts";
import type { Roster } from "../workshop/roster.ts";
import { ANONYMOUS_CREDENTIAL, learnerIdOf, TOKEN_CREDENTIAL } from "./auth.ts";

/** One lab's terminals, checks and practice time: the lead's, or one workshop learner's. */
export interface LabScope {
  lab: LabId;
  registry: SessionRegistry;
  checks: CheckService;
  practice: PracticeRecorder;
  /** Set for a learner's lab: whose it is. */
  learner?: string;
}

/** A learner's terminals: fewer than the lead's, since many labs share the host. */
export const LEARNER_TERMINAL_LIMITS: TerminalLimits = { perNode: 3, total: 6 };

export interface LabScopesOptions {
  lead: LabScope;
  roster: Roster;
  docker: Docker;
  home: string;
  graceMs?: number;
  launcher?: TerminalLauncher;
  onTerminalEvent?: ConstructorParameters<typeof SessionRegistry>[0]["onEvent"];
  /** Whether learners have labs at all (an agent with no lab starter has none). */
  learnersHaveLabs: boolean;
}

/**
 * Which lab a credential acts on. The token's is the agent's own lab (the lead's). A workshop
 * learner's is the lab the roster records for them, looked up here from the credential, never
 * taken from a request: a learner's terminals, tickets and checks reach their own lab only.
 * Learners' scopes are made on first use and kept while the agent runs.
 */
export class LabScopes {
  private readonly learners = new Map<LabId, LabScope>();

  constructor(private readonly opts: LabScopesOptions) {}

  get lead(): LabScope {
    return this.opts.lead;
  }

  /** Throws unauthorized for no credential, forbidden for a learner not (or no longer) on the roster. */
  forCredential(credential: string): LabScope {
    if (credential === TOKEN_CREDENTIAL) return this.opts.lead;
    const id = learnerIdOf(credential);
    if (credential === ANONYMOUS_CREDENTIAL || id === undefined) {
      throw new DrydockError(ErrorCode.unauthorized, "This needs Drydock's access token.", {
        hint: "Send `Authorization: Bearer <token>`.",
      });
    }
    const entry = this.opts.roster.current()?.roster.find((r) => r.id === id);
    if (!entry) {
      throw new DrydockError(ErrorCode.unauthorized, "This login is not on the roster any more.", {
        hint: "Join the workshop again with its code.",
      });
    }
    return this.learnerScope(entry.lab, entry.id);
  }

  /**
   * Refuses (lab-state) unless the credential's lab is ready: a learner's lab may still be
   * starting, have failed or been reaped. The lead's own lab is checked when a node is used.
   * A ready learner's lab starts being watched for checks (once; see below).
   */
  requireReady(scope: LabScope): void {
    if (!scope.learner) return;
    if (!this.opts.learnersHaveLabs) {
      throw new DrydockError(ErrorCode.conflict, "This agent starts no labs (it runs with --no-lab).", {
        hint: "Tell the workshop lead: the agent needs a Docker Engine to start learners' labs.",
      });
    }
    const record = this.opts.roster.current()?.labs?.find((l) => l.lab === scope.lab);
    if (record?.state === "ready") {
      // Ready and in use: its checks' clients and live watcher open now (the lead's start with the
      // agent), not at the learner's first Check, which then took ~3 s (npm run bench -- workshop).
      void scope.checks.watch().catch(() => {});
      return;
    }
    const state = record?.state ?? "not started";
    throw new DrydockError(
      ErrorCode.labState,
      `Your lab is ${state === "provisioning" ? "still starting" : state}.`,
      {
        hint:
          state === "provisioning"
            ? "Wait until the page says it is ready, then open the terminal again."
            : "Start it again from the workshop page (POST /api/workshop/lab), then open the terminal.",
      },
    );
  }

  /** A terminal of any lab, by id: for the lead's read-only watch only (the caller checks who asks). */
  anyTerminal(id: TerminalId): { scope: LabScope; session: PtySession } {
    for (const scope of this.all()) {
      const session = scope.registry.find(id);
      if (session) return { scope, session };
    }
    throw new DrydockError(ErrorCode.notFound, "That terminal does not exist (any more).", {
      hint: "It ended, or was closed after its grace period with nobody attached.",
    });
  }

  /** A lab's open terminals (none when its learner never opened one since the agent started). */
  terminalsOf(lab: LabId): TerminalInfo[] {
    return this.learners.get(lab)?.registry.list() ?? [];
  }

  /**
   * The block a learner works on: the one their page or terminal last counted practice for in
   * this agent, else the block of their lab's latest check run (progress.db), else null.
   */
  currentBlock(lab: LabId): string | null {
    const live = this.learners.get(lab)?.practice.currentBlock();
    if (live) return live;
    let newest: { block: string; id: number } | undefined;
    for (const [block, id] of this.opts.lead.checks.store.lastRuns(lab)) {
      if (!newest || id > newest.id) newest = { block, id };
    }
    return newest?.block ?? null;
  }

  /** Closes a learner's terminals (their lab is being reset: its shells go with it). */
  async closeTerminals(lab: LabId): Promise<void> {
    await this.learners.get(lab)?.registry.closeAll();
  }

  all(): LabScope[] {
    return [this.opts.lead, ...this.learners.values()];
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.all().map((s) => s.registry.closeAll()));
    for (const s of this.learners.values()) {
      s.checks.close();
      s.practice.close();
    }
    this.learners.clear();
  }

  private learnerScope(lab: LabId, learner: string): LabScope {
    const known = this.learners.get(lab);
    if (known) return known;
    const { docker, home } = this.opts;
    const scope: LabScope = {
      lab,
      learner,
      registry: new SessionRegistry({
        hostDocker: docker,
        lab,
        limits: LEARNER_TERMINAL_LIMITS,
        ...(this.opts.graceMs !== undefined ? { graceMs: this.opts.graceMs } : {}),
        ...(this.opts.launcher ? { launcher: this.opts.launcher } : {}),
        ...(this.opts.onTerminalEvent ? { onEvent: this.opts.onTerminalEvent } : {}),
      }),
      checks: new CheckService({ docker, lab, home }),
      practice: new PracticeRecorder(home, lab),
    };
    this.learners.set(lab, scope);
    return scope;
  }
}
