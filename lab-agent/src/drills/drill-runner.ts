import { existsSync, readFileSync, rmSync } from "node:fs";
import type Docker from "dockerode";
import { execArgv, sleep } from "../checks/engine-reads.ts";
import type { LabAccess } from "../checks/lab-access.ts";
import { DrydockError, ErrorCode, errorMessage, statusCodeOf } from "../common/errors.ts";
import type { DrillId } from "../course/course-outline.ts";
import { containerName, type EngineRole } from "../lab/lab-names.ts";
import { activeRun, appendTimeline, loadRun, readTimeline, saveRun, startTimeline } from "./drill-state.ts";
import type {
  DrillDefinition,
  DrillEnv,
  DrillFacts,
  DrillOptions,
  DrillRun,
  SwarmSnapshot,
  TimelineEvent,
  UndoStep,
} from "./drill-types.ts";
import { detectFeatures, missingFeatures } from "./kernel-features.ts";
import { dropRole } from "./pg-role.ts";
import { PROBER_SERVICE, proberDelta, readProber, startProber } from "./prober.ts";
import { imagePart, resourcesPart, rollOut, secretsPart, updateSpec } from "./service-updates.ts";
import { readSnapshot, replicasOf, runningTasks, serviceNamed, startRecorder } from "./timeline.ts";

export interface DrillContext {
  lab: LabAccess;
  home: string;
  /** The stack the drills work on (hours 15-16's). */
  stack?: string;
  progress?: (message: string) => void;
}

export const STACK = "reg-case";

/** The stack's own preconditions: deployed, every service converged, no update running or paused. */
export function stackPreconditions(snap: SwarmSnapshot, stack: string): string[] {
  const mine = snap.services.filter((s) => s.Spec.Labels?.["com.docker.stack.namespace"] === stack);
  if (mine.length === 0 || !serviceNamed(snap, `${stack}_case-api`)) {
    return [
      `The ${stack} stack of hours 15-16 is not deployed (no ${stack}_case-api service): deploy it first (\`drydock solve h15-16\` does it for you).`,
    ];
  }
  const problems: string[] = [];
  for (const s of mine) {
    const want = replicasOf(s);
    const running = runningTasks(snap, s).length;
    if (want !== undefined && running !== want)
      problems.push(`${s.Spec.Name} runs ${running} of ${want} replicas: let it converge first.`);
    const state = s.UpdateStatus?.State;
    if (state === "updating" || state === "rollback_started" || state?.endsWith("paused"))
      problems.push(`${s.Spec.Name}'s update is ${state}: let it finish (or roll it back) first.`);
  }
  return problems;
}

export function needReplicas(snap: SwarmSnapshot, service: string, min: number): string[] {
  const n = replicasOf(serviceNamed(snap, service));
  return n !== undefined && n < min
    ? [
        `${service} runs ${n} replica${n === 1 ? "" : "s"}; this drill needs at least ${min}, or the fault is an outage (docker service scale ${service}=${min}).`,
      ]
    : [];
}

/** A command in a lab node's own container (through the host engine), e.g. iptables. */
export async function nodeExec(lab: LabAccess, node: EngineRole, cmd: string[]) {
  return execArgv(lab.host.getContainer(containerName(lab.lab, node)), cmd, 20_000);
}

async function iptablesWorks(lab: LabAccess): Promise<boolean> {
  try {
    return (await nodeExec(lab, "worker-1", ["iptables", "-w", "-n", "-L", "OUTPUT"])).code === 0;
  } catch {
    return false;
  }
}

const ignore404 = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    if (statusCodeOf(err) !== 404) throw err;
  }
};

/** Undoes one step; each is idempotent (a step already undone, or never done, is fine). */
export async function undoStep(lab: LabAccess, step: UndoStep): Promise<void> {
  const manager = await lab.engine("manager-1");
  switch (step.kind) {
    case "remove-service":
      return ignore404(manager.getService(step.name).remove());
    case "node-availability": {
      const nodes = (await manager.listNodes()) as unknown as SwarmSnapshot["nodes"];
      const n = nodes.find((x) => x.Description?.Hostname === step.node);
      if (!n) return;
      const full = (await manager.getNode(n.ID).inspect()) as { Version: { Index: number }; Spec: object };
      await manager
        .getNode(n.ID)
        .update({ version: full.Version.Index, ...full.Spec, Availability: step.availability });
      return;
    }
    case "service-secret": {
      // Back to the references it had, each resolved by name again (a secret the learner removed
      // and `restore-secret` created anew has a new id). The rollout is not awaited here:
      // `remove-secret` of the secret it leaves waits for it, so all services move at once.
      const ids = new Map(
        ((await manager.listSecrets()) as unknown as SwarmSnapshot["secrets"]).map((x) => [
          x.Spec?.Name,
          x.ID,
        ]),
      );
      const want = step.secrets.map((ref) => {
        const id = ids.get(ref.SecretName as string);
        return id ? { ...ref, SecretID: id } : ref;
      });
      return updateSpec(manager, step.service, secretsPart(want));
    }
    case "service-image":
      return rollOut(manager, step.service, imagePart(step.image), `its image ${step.image}`);
    case "service-resources":
      return rollOut(
        manager,
        step.service,
        resourcesPart(step.resources),
        `its resources ${JSON.stringify(step.resources)}`,
      );
    case "remove-secret": {
      // Kept until no running task uses it any more (a rollout moving off it, a rollback that may
      // need it): removing it earlier is what the secret-rotation drill warns about.
      const found = ((await manager.listSecrets()) as unknown as SwarmSnapshot["secrets"]).find(
        (x) => x.Spec?.Name === step.name,
      );
      if (!found) return;
      let last = "";
      for (let i = 0; i < 180; i++) {
        const tasks = (await manager.listTasks({
          filters: { "desired-state": ["running"] },
        })) as unknown as SwarmSnapshot["tasks"];
        const users = tasks.filter((t) =>
          (t.Spec?.ContainerSpec?.Secrets ?? []).some((x) => x.SecretID === found.ID),
        );
        if (users.length === 0) {
          try {
            await ignore404(manager.getSecret(found.ID).remove());
            return;
          } catch (err) {
            last = errorMessage(err);
          }
        } else last = `${users.length} running task(s) still use it`;
        await sleep(1000);
      }
      throw new Error(`the test secret ${step.name} is still in use (${last})`);
    }
    case "restore-secret": {
      const exists = ((await manager.listSecrets()) as unknown as SwarmSnapshot["secrets"]).some(
        (x) => x.Spec?.Name === step.name,
      );
      if (!exists) {
        if (!existsSync(step.file)) {
          throw new Error(
            `the secret ${step.name} was removed during the drill and its saved value (${step.file}) is gone: create it again (printf '%s' '…' | docker secret create ${step.name} -)`,
          );
        }
        await manager.createSecret({
          Name: step.name,
          Labels: step.labels,
          Data: readFileSync(step.file).toString("base64"),
        } as unknown as Parameters<Docker["createSecret"]>[0]);
      }
      rmSync(step.file, { force: true });
      return;
    }
    case "db-role":
      return dropRole(lab, step);
    case "firewall": {
      for (let i = 0; i < 10; i++) {
        const r = await nodeExec(lab, step.node as EngineRole, ["iptables", "-w", "-D", ...step.rule]);
        if (r.code !== 0) return; // no such rule left
      }
      return;
    }
  }
}

function facts(run: DrillRun, timeline: TimelineEvent[], snapshot: SwarmSnapshot): DrillFacts {
  return { run, timeline, snapshot };
}

function judge(def: DrillDefinition, f: DrillFacts): DrillRun {
  const items = def.verify(f);
  const verdict = items.some((i) => i.status === "fail")
    ? "fail"
    : items.some((i) => i.status === "error")
      ? "error"
      : items.some((i) => i.status === "pending")
        ? "pending"
        : "pass";
  return { ...f.run, items, verdict };
}

/** Records the drill's lines and runs `work` with the recorder on, then stops it. */
async function recording<T>(
  ctx: DrillContext,
  run: DrillRun,
  work: (rec: Awaited<ReturnType<typeof startRecorder>>, note: DrillEnv["note"]) => Promise<T>,
): Promise<T> {
  const write = (events: TimelineEvent[]) => appendTimeline(ctx.home, run.lab, run.drill, events);
  const rec = await startRecorder(ctx.lab, write);
  const note: DrillEnv["note"] = (message, detail) =>
    write([
      {
        at: new Date().toISOString(),
        source: "drill",
        kind: "drill",
        message,
        ...(detail ? { detail } : {}),
      },
    ]);
  try {
    return await work(rec, note);
  } finally {
    await rec.stop();
  }
}

async function proberNow(ctx: DrillContext, snap: SwarmSnapshot) {
  return readProber(ctx.lab, snap).catch(() => null);
}

/**
 * `drydock drill <id> start`: preconditions, kernel features, the prober and the recorder, the
 * fault, a wait for its effect, the verification. The fault stays until `stop`.
 */
export async function startDrill(
  ctx: DrillContext,
  def: DrillDefinition,
  opts: DrillOptions = {},
): Promise<DrillRun> {
  const stack = ctx.stack ?? STACK;
  const say = ctx.progress ?? (() => {});
  const active = activeRun(ctx.home, ctx.lab.lab);
  if (active) {
    throw new DrydockError(
      ErrorCode.conflict,
      `The drill ${active.drill} is still active in lab "${ctx.lab.lab}".`,
      {
        hint: `Run \`drydock drill ${active.drill} stop\` first: it restores the lab.`,
      },
    );
  }
  const manager = await ctx.lab.engine("manager-1");
  const base: DrillRun = {
    drill: def.id,
    lab: ctx.lab.lab,
    phase: "blocked",
    startedAt: new Date().toISOString(),
    injectedAt: null,
    stoppedAt: null,
    reason: null,
    params: { ...opts },
    undo: [],
    proberBaseline: null,
    prober: null,
    items: [],
    learner: [...def.learner],
    verdict: "none",
  };
  let snap: SwarmSnapshot;
  try {
    snap = await readSnapshot(manager);
  } catch (err) {
    const run = {
      ...base,
      reason: `The swarm cannot be read on manager-1 (${errorMessage(err)}): form it and deploy the ${stack} stack first.`,
    };
    saveRun(ctx.home, run);
    return run;
  }
  const unmet = [...stackPreconditions(snap, stack), ...def.preconditions(snap, stack, opts)];
  if (unmet.length > 0) {
    const run = { ...base, reason: unmet.join(" ") };
    saveRun(ctx.home, run);
    return run;
  }
  const skip = missingFeatures(
    def.needs,
    detectFeatures(def.needs.includes("iptables") ? await iptablesWorks(ctx.lab) : true),
  );
  if (skip) {
    const run = { ...base, phase: "skipped" as const, reason: skip };
    saveRun(ctx.home, run);
    return run;
  }
  let run: DrillRun = { ...base, phase: "active" };
  startTimeline(ctx.home, run.lab, run.drill);
  saveRun(ctx.home, run);
  const save = () => saveRun(ctx.home, run);
  return recording(ctx, run, async (rec, note) => {
    try {
      say("Starting the prober (it calls the app through the swarm's DNS)…");
      const app = serviceNamed(snap, `${stack}_case-api`);
      if (!app) throw new Error("case-api went away");
      run.undo.push({ kind: "remove-service", name: PROBER_SERVICE });
      save();
      await ignore404(manager.getService(PROBER_SERVICE).remove());
      await startProber(manager, run.lab, run.drill, app);
      const deadline = Date.now() + 90_000;
      let counts = null;
      while (Date.now() < deadline) {
        const s = await rec.poll();
        counts = s ? await proberNow(ctx, s) : null;
        if (counts && counts.ok >= 3) break;
        await sleep(1000);
      }
      if (!counts || counts.ok < 3) {
        throw new Error(
          `the prober did not get 3 answers from case-api within 90 s (${counts?.lastError ?? "no counters yet"})`,
        );
      }
      run.proberBaseline = counts;
      note("prober baseline", { ok: counts.ok, fail: counts.fail });
      say(`Injecting the fault (${def.title})…`);
      const env: DrillEnv = { lab: ctx.lab, home: ctx.home, stack, note, save, progress: say };
      snap = (await rec.poll()) ?? snap;
      await def.inject(env, run, snap, opts);
      run.injectedAt ??= new Date().toISOString();
      save();
      say("Watching the swarm…");
      const until = Date.now() + def.waitMs;
      let f = facts(run, readTimeline(ctx.home, run.lab, run.drill), snap);
      while (Date.now() < until) {
        await sleep(1000);
        snap = (await rec.poll()) ?? snap;
        run.prober = (await proberNow(ctx, snap)) ?? run.prober;
        f = facts(run, readTimeline(ctx.home, run.lab, run.drill), snap);
        if (def.settled(f)) break;
      }
      note(def.settled(f) ? "settled" : `not settled within ${def.waitMs / 1000} s`);
      await def.afterWait?.(env, run, snap);
      run = judge(def, facts(run, readTimeline(ctx.home, run.lab, run.drill), snap));
      save();
      return run;
    } catch (err) {
      run = {
        ...run,
        phase: "broken",
        reason: `The drill could not run: ${errorMessage(err)}. \`drydock drill ${def.id} stop\` restores what it did.`,
      };
      save();
      return run;
    }
  });
}

/** `status`: the verification again, on the recorded timeline and the swarm as it is now. */
export async function drillStatus(ctx: DrillContext, def: DrillDefinition): Promise<DrillRun | undefined> {
  const run = loadRun(ctx.home, ctx.lab.lab, def.id);
  if (run?.phase !== "active") return run;
  const snap = await readSnapshot(await ctx.lab.engine("manager-1"));
  run.prober = (await proberNow(ctx, snap)) ?? run.prober;
  const judged = judge(def, facts(run, readTimeline(ctx.home, run.lab, run.drill), snap));
  saveRun(ctx.home, judged);
  return judged;
}

/**
 * `stop`: undoes every step the drill recorded (newest first, the prober last), waits for the
 * recovery the drill expects, and judges once more. Works from the persisted state alone.
 */
export async function stopDrill(ctx: DrillContext, def: DrillDefinition): Promise<DrillRun | undefined> {
  const say = ctx.progress ?? (() => {});
  let run = loadRun(ctx.home, ctx.lab.lab, def.id);
  if (!run) return undefined;
  if (run.phase !== "active" && run.phase !== "broken") return run;
  const save = () => saveRun(ctx.home, run as DrillRun);
  return recording(ctx, run, async (rec, note) => {
    const r = run as DrillRun;
    const prober = r.undo.filter((u) => u.kind === "remove-service" && u.name === PROBER_SERVICE);
    const rest = r.undo.filter((u) => !prober.includes(u));
    const env: DrillEnv = {
      lab: ctx.lab,
      home: ctx.home,
      stack: ctx.stack ?? STACK,
      note,
      save,
      progress: say,
    };
    // Only once: a stop killed midway and run again must not read the lab half restored.
    if (def.beforeRestore && r.phase === "active" && !r.params.beforeRestoreRead) {
      await def.beforeRestore(env, r);
      r.params.beforeRestoreRead = true;
      save();
    }
    for (const step of [...rest].reverse()) {
      say(`Restoring: ${step.kind}…`);
      note(`restoring ${step.kind}`);
      await undoStep(ctx.lab, step);
      note(`restored ${step.kind}`, step as unknown as Record<string, unknown>);
      r.undo = r.undo.filter((u) => u !== step);
      save();
    }
    if (def.afterRestore && r.phase === "active") await def.afterRestore(env, r);
    r.stoppedAt = new Date().toISOString();
    let snap = (await rec.poll()) as SwarmSnapshot;
    if (def.recovered && r.phase === "active") {
      say("Waiting for the lab to recover…");
      const until = Date.now() + (def.recoveryWaitMs ?? 60_000);
      while (Date.now() < until) {
        snap = (await rec.poll()) ?? snap;
        if (def.recovered(facts(r, readTimeline(ctx.home, r.lab, r.drill), snap))) break;
        await sleep(1000);
      }
    }
    snap = (await rec.poll()) ?? snap;
    r.prober = (await proberNow(ctx, snap)) ?? r.prober;
    if (r.phase === "active") run = judge(def, facts(r, readTimeline(ctx.home, r.lab, r.drill), snap));
    for (const step of prober) await undoStep(ctx.lab, step);
    run = { ...(run as DrillRun), undo: [], phase: "stopped" };
    save();
    return run;
  });
}

/** The prober's requests since the fault, for evidence. */
export function proberEvidence(run: DrillRun): { ok: number; fail: number; text: string } | undefined {
  const d = proberDelta(run.proberBaseline, run.prober);
  if (!d) return undefined;
  const by = Object.entries(d.byAddress)
    .map(([a, c]) => `${a} ${c.ok} ok/${c.fail} failed`)
    .join(", ");
  return {
    ok: d.ok,
    fail: d.fail,
    text: `prober since the fault: ${d.ok} ok, ${d.fail} failed${by ? ` (${by})` : ""}${d.fail && d.lastError ? `; last error ${d.lastError}` : ""}`,
  };
}

export type { Docker, DrillId };
