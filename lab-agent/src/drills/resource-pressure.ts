import type Docker from "dockerode";
import { z } from "zod";
import { execArgv, sleep } from "../checks/engine-reads.ts";
import { errorMessage } from "../common/errors.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { proberEvidence } from "./drill-runner.ts";
import type {
  DrillDefinition,
  DrillEnv,
  DrillFacts,
  DrillItem,
  SnapService,
  TimelineEvent,
} from "./drill-types.ts";
import { setServiceResources } from "./service-updates.ts";
import { hostnameOf, replicasOf, runningTasks, serviceNamed } from "./timeline.ts";
import { after, cantTell, fail, item, line, ms, pass, taskEvents, UPDATE_ENDED } from "./verify-helpers.ts";

export const MiB = 1024 * 1024;
const svcName = (f: DrillFacts) => `${String(f.run.params.stack ?? "reg-case")}_case-api`;
const mib = (bytes: number | null | undefined) => (bytes ? `${Math.round(bytes / MiB)} MiB` : "no limit");

/**
 * The memory consumer, run in one case-api task through exec: it marks the task's main process
 * (PID 1) as the kernel's first choice when the container's memory cgroup is full (raising a
 * process's own oom_score_adj needs no privilege), then allocates and touches `step` MiB every
 * 50 ms up to `max` MiB, printing its total. The kernel kills PID 1 at the limit, which ends the
 * container (exit 137, OOMKilled) like an app that grew past it. Fixed text; its only inputs are
 * the two numbers, as arguments. If nothing stops it, it exits by itself after 20 s.
 */
export const CONSUMER_SCRIPT = `const [step,max]=[+process.argv[1],+process.argv[2]];let adj="1000";
try{require("fs").writeFileSync("/proc/1/oom_score_adj","1000")}catch(e){adj=e.code||String(e)}
console.log(JSON.stringify({pid1OomScoreAdj:adj}));const keep=[];let n=0;
const t=setInterval(()=>{if(n>=max){clearInterval(t);console.log(JSON.stringify({allocatedMiB:n,done:true}));setTimeout(()=>process.exit(0),20000);return}
keep.push(Buffer.alloc(step*1048576,1));n+=step;console.log(JSON.stringify({allocatedMiB:n}))},50);`;

const ConsumerLine = z.object({
  pid1OomScoreAdj: z.string().optional(),
  allocatedMiB: z.number().optional(),
  done: z.boolean().optional(),
});

/** What the consumer said before it was killed (or finished): the last total, whether PID 1 was marked. */
export function consumerOutput(stdout: string): { allocatedMiB: number; adj: string; done: boolean } {
  let out = { allocatedMiB: 0, adj: "", done: false };
  for (const l of stdout.split("\n")) {
    if (!l.startsWith("{")) continue;
    try {
      const p = ConsumerLine.parse(JSON.parse(l));
      out = {
        allocatedMiB: p.allocatedMiB ?? out.allocatedMiB,
        adj: p.pid1OomScoreAdj ?? out.adj,
        done: p.done ?? out.done,
      };
    } catch {}
  }
  return out;
}

/** What the drill recorded in run.params (parsed: the state file is an input). */
export const PressureParams = z.object({
  stack: z.string().default("reg-case"),
  /** The limit before (bytes) and the one the drill set. */
  previousLimit: z.number(),
  lowered: z.number(),
  /** The working set (usage − inactive file cache) of each running task before the fault, bytes. */
  measured: z.array(z.object({ task: z.string(), node: z.string(), workingSet: z.number() })).default([]),
  measureError: z.string().nullable().default(null),
  task: z.string().optional(),
  slot: z.number().optional(),
  node: z.string().optional(),
  container: z.string().optional(),
  consumer: z
    .object({
      allocatedMiB: z.number(),
      adj: z.string(),
      done: z.boolean(),
      error: z.string().nullable().default(null),
    })
    .optional(),
  /** At `stop`, before the restore: the limit the service had (the learner's, or the drill's) and its update. */
  beforeRestore: z.object({ limit: z.number().nullable(), update: z.string() }).optional(),
  /** The killed container as its node's engine reports it after the drill's wait. */
  killed: z
    .object({
      OOMKilled: z.boolean().optional(),
      ExitCode: z.number().optional(),
      Error: z.string().optional(),
      FinishedAt: z.string().optional(),
    })
    .nullable()
    .optional(),
});
export type PressureParams = z.infer<typeof PressureParams>;

/**
 * The limit the drill sets: room for what the tasks use now plus a health-check process (the
 * stack's check starts `node` every 2 s, ~40-60 MiB) so the rollout of the lowered limit passes,
 * never below the reservation (the engine refuses a limit under it), rounded up to 16 MiB; the
 * current limit when that is no lower (the drill then presses against the learner's own limit).
 */
export function loweredLimit(current: number, reservation: number, workingSet: number | undefined): number {
  const want = workingSet ? workingSet + 96 * MiB : current / 2;
  const rounded = Math.ceil(Math.max(want, reservation, 64 * MiB) / (16 * MiB)) * 16 * MiB;
  return Math.min(rounded, current);
}

async function workingSet(engine: Docker, container: string): Promise<number> {
  const s = (await engine.getContainer(container).stats({ stream: false })) as unknown as {
    memory_stats?: { usage?: number; stats?: Record<string, number> };
  };
  const m = s.memory_stats ?? {};
  const cache = m.stats?.inactive_file ?? m.stats?.total_inactive_file ?? 0;
  if (!m.usage) throw new Error(`no memory usage for ${container.slice(0, 12)}`);
  return m.usage - cache;
}

/** Waits until the service's update ends (or none started); throws when Swarm rolled it back. */
async function updateEnded(manager: Docker, service: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  let state = "";
  let message = "";
  while (Date.now() < until) {
    const s = (await manager.getService(service).inspect()) as SnapService;
    state = s.UpdateStatus?.State ?? "";
    message = s.UpdateStatus?.Message ?? "";
    if (state === "completed") return;
    if (UPDATE_ENDED.includes(state) || state === "rollback_started")
      throw new Error(`Swarm did not take the lowered limit: the update is ${state} (${message})`);
    await sleep(1000);
  }
  throw new Error(
    `the lowered limit did not roll out within ${ms / 1000} s (update ${state || "not started"})`,
  );
}

export const resourcePressure: DrillDefinition = {
  id: "resource-pressure",
  title: "lower case-api's memory limit and run a memory consumer in one of its tasks",
  needs: [],
  learner: [
    "docker service ps reg-case_case-api --no-trunc   # the killed task: Failed, non-zero exit (137)",
    "docker service inspect reg-case_case-api --format '{{json .Spec.TaskTemplate.Resources}} {{json .UpdateStatus}}'",
    'docker events --since 10m --until "$(date +%s)" --filter event=oom   # on worker-1 and worker-2: the engine of the node that ran it',
    "docker stats --no-stream   # on the workers: usage against the limit",
    "docker service update --detach --limit-memory <MiB>M reg-case_case-api   # your part: a limit from what you measured; then `drydock drill resource-pressure status`",
  ],
  preconditions(snap, stack) {
    const name = `${stack}_case-api`;
    const limit = serviceNamed(snap, name)?.Spec.TaskTemplate?.Resources?.Limits?.MemoryBytes;
    return limit
      ? []
      : [
          `${name} has no memory limit (deploy.resources.limits.memory), so there is nothing to lower and nothing to press against: a task that grows takes memory from everything else on its node. Set one (e.g. docker service update --limit-memory 256M ${name}, or in the stack file) and start the drill again.`,
        ];
  },
  waitMs: 120_000,
  inject: injectPressure,
  settled(f) {
    const p = PressureParams.safeParse(f.run.params);
    if (!p.success || !p.data.task) return false;
    const svc = serviceNamed(f.snapshot, svcName(f));
    const r = replacement(f, p.data);
    const died = taskEvents(f.timeline, p.data.task).some((e) => e.state === "failed");
    return (
      (died &&
        Boolean(r?.task && taskEvents(f.timeline, r.task).some((e) => e.state === "running")) &&
        runningTasks(f.snapshot, svc).length === (replicasOf(svc) ?? 0)) ||
      // Nothing will die: the consumer allocated all it would, unkilled (verification says so).
      (p.data.consumer?.done === true && !died)
    );
  },
  async afterWait(env, run) {
    const p = PressureParams.safeParse(run.params);
    if (!p.success || !p.data.node || !p.data.container) return;
    try {
      const engine = await env.lab.engine(p.data.node as EngineRole);
      const c = (await engine.getContainer(p.data.container).inspect()) as {
        State?: { OOMKilled?: boolean; ExitCode?: number; Error?: string; FinishedAt?: string };
      };
      const s = c.State ?? {};
      run.params.killed = {
        ...(s.OOMKilled !== undefined ? { OOMKilled: s.OOMKilled } : {}),
        ...(s.ExitCode !== undefined ? { ExitCode: s.ExitCode } : {}),
        ...(s.Error ? { Error: s.Error } : {}),
        ...(s.FinishedAt ? { FinishedAt: s.FinishedAt } : {}),
      };
    } catch (err) {
      run.params.killed = null;
      run.params.killedError = errorMessage(err);
    }
  },
  async beforeRestore(env, run) {
    const name = `${String(run.params.stack ?? env.stack)}_case-api`;
    const svc = (await (await env.lab.engine("manager-1")).getService(name).inspect()) as SnapService;
    run.params.beforeRestore = {
      limit: svc.Spec.TaskTemplate?.Resources?.Limits?.MemoryBytes ?? null,
      update: svc.UpdateStatus?.State ?? "",
    };
  },
  // Restored: the resources the service had, rolled out, every replica running.
  recovered(f) {
    const svc = serviceNamed(f.snapshot, svcName(f));
    const undo = f.run.params.previousResources;
    const state = svc?.UpdateStatus?.State ?? "";
    return (
      JSON.stringify(svc?.Spec.TaskTemplate?.Resources ?? {}) === JSON.stringify(undo ?? {}) &&
      state !== "updating" &&
      state !== "rollback_started" &&
      runningTasks(f.snapshot, svc).length === (replicasOf(svc) ?? 0)
    );
  },
  recoveryWaitMs: 120_000,
  verify: verifyPressure,
};

async function injectPressure(env: DrillEnv, run: DrillFacts["run"], snap: DrillFacts["snapshot"]) {
  const name = `${env.stack}_case-api`;
  const svc = serviceNamed(snap, name);
  if (!svc) throw new Error(`no ${name}`);
  const manager = await env.lab.engine("manager-1");
  const full = (await manager.getService(svc.ID).inspect()) as SnapService;
  const resources = (full.Spec.TaskTemplate?.Resources ?? {}) as Record<string, unknown>;
  const previous = full.Spec.TaskTemplate?.Resources?.Limits?.MemoryBytes ?? 0;
  if (!previous) throw new Error(`${name} has no memory limit`);
  // 1. What the tasks use now: the evidence a new limit is held against.
  const measured: PressureParams["measured"] = [];
  let measureError: string | null = null;
  for (const t of runningTasks(snap, svc)) {
    const node = hostnameOf(snap, t.NodeID);
    const id = t.Status?.ContainerStatus?.ContainerID;
    if (!id) continue;
    try {
      measured.push({
        task: t.ID,
        node,
        workingSet: await workingSet(await env.lab.engine(node as EngineRole), id),
      });
    } catch (err) {
      measureError = errorMessage(err);
    }
  }
  const peak = measured.length ? Math.max(...measured.map((m) => m.workingSet)) : undefined;
  const reservation = full.Spec.TaskTemplate?.Resources?.Reservations?.MemoryBytes ?? 0;
  const lowered = loweredLimit(previous, reservation, peak);
  run.params = {
    ...run.params,
    stack: env.stack,
    previousLimit: previous,
    previousResources: resources,
    lowered,
    measured,
    measureError,
  };
  // 2. The lowered limit, its undo saved first (the resources exactly as they were).
  run.undo.push({ kind: "service-resources", service: name, resources });
  env.save();
  if (lowered < previous) {
    env.note(
      `docker service update --limit-memory ${Math.round(lowered / MiB)}M ${name} (was ${mib(previous)})`,
    );
    env.progress(
      `Lowering ${name}'s memory limit to ${mib(lowered)} (was ${mib(previous)}) and waiting for the rollout…`,
    );
    const limits = {
      ...((resources.Limits as Record<string, unknown> | undefined) ?? {}),
      MemoryBytes: lowered,
    };
    await setServiceResources(manager, svc.ID, { ...resources, Limits: limits });
    await updateEnded(manager, svc.ID, 120_000);
  } else {
    env.note(`${name}'s limit (${mib(previous)}) is already tight: the consumer presses against it as it is`);
  }
  // 3. The consumer, in one running task with the lowered limit.
  const tasks = (await manager.listTasks({
    filters: { service: [svc.ID], "desired-state": ["running"] },
  })) as unknown as DrillFacts["snapshot"]["tasks"];
  const task = tasks.find((t) => t.Status?.State === "running" && t.Status.ContainerStatus?.ContainerID);
  if (!task) throw new Error(`no running ${name} task after the rollout`);
  const node = hostnameOf(snap, task.NodeID);
  const container = task.Status?.ContainerStatus?.ContainerID as string;
  const max = Math.ceil((3 * lowered) / MiB);
  run.params = { ...run.params, task: task.ID, slot: task.Slot, node, container };
  env.save();
  env.note(`node -e <consumer> 8 ${max} in task ${task.ID} on ${node} (limit ${mib(lowered)})`);
  env.progress(`Running a memory consumer in task ${task.ID.slice(0, 12)} on ${node}…`);
  run.injectedAt = new Date().toISOString();
  const engine = await env.lab.engine(node as EngineRole);
  try {
    const r = await execArgv(
      engine.getContainer(container),
      ["node", "-e", CONSUMER_SCRIPT, "8", String(max)],
      60_000,
    );
    run.params.consumer = { ...consumerOutput(r.stdout), error: r.code === 0 ? null : `exit ${r.code}` };
  } catch (err) {
    // The container was killed under it: the stream ends or the exec is gone with it.
    run.params.consumer = { allocatedMiB: 0, adj: "", done: false, error: errorMessage(err) };
  }
  env.save();
}

/** The new task of the killed task's slot: created after the fault, on the timeline. */
function replacement(f: DrillFacts, p: PressureParams): TimelineEvent | undefined {
  const later = after(f.timeline, f.run.injectedAt).filter(
    (e) => e.kind === "task" && e.service === svcName(f) && e.task !== p.task && e.detail?.first,
  );
  return later.find((e) => p.slot === undefined || e.slot === p.slot) ?? later[0];
}

/** The limit changes after the fault made by someone else than the drill (up to `stop`'s restore). */
export function learnerLimits(f: DrillFacts): TimelineEvent[] {
  const events = after(f.timeline, f.run.injectedAt);
  const restored = events.find((e) => e.kind === "drill" && /^restor(ing|ed) /.test(e.message ?? ""));
  return events.filter(
    (e) =>
      e.kind === "service" &&
      e.service === svcName(f) &&
      e.action === "memory" &&
      (!restored || ms(e.at) < ms(restored.at)),
  );
}

export function verifyPressure(f: DrillFacts): DrillItem[] {
  const parsed = PressureParams.safeParse(f.run.params);
  if (!parsed.success || !parsed.data.task) {
    return [
      cantTell(
        "oom-kill-visible",
        "The OOM kill is visible in the evidence",
        "the drill did not get to run its consumer (no task recorded).",
      ),
    ];
  }
  const p = parsed.data;
  const name = svcName(f);
  const svc = serviceNamed(f.snapshot, name);
  const killed = p.task as string;
  const items: DrillItem[] = [];
  const tl = taskEvents(f.timeline, killed);
  const oomEvent = f.timeline.find((e) => e.kind === "container" && e.task === killed && e.action === "oom");
  const die = f.timeline.find((e) => e.kind === "container" && e.task === killed && e.action === "die");
  const failed = tl.find((e) => e.state === "failed");
  const exit = die?.exitCode ?? failed?.exitCode ?? p.killed?.ExitCode;
  const peak = p.measured.length ? Math.max(...p.measured.map((m) => m.workingSet)) : undefined;
  const pressure = [
    `limit ${mib(p.previousLimit)} → ${mib(p.lowered)} for the drill`,
    peak !== undefined
      ? `before the fault: ${p.measured.map((m) => `${m.task.slice(0, 12)} on ${m.node} ${mib(m.workingSet)}`).join(", ")} (working set)`
      : `before the fault: not measured (${p.measureError ?? "no running task"})`,
    ...(p.consumer
      ? [
          `consumer: ${p.consumer.allocatedMiB} MiB allocated${p.consumer.done ? " and finished unkilled" : " when it stopped"}${p.consumer.adj && p.consumer.adj !== "1000" ? `; PID 1 not marked (${p.consumer.adj})` : ""}`,
        ]
      : []),
    ...(p.killed
      ? [
          `killed container: OOMKilled=${p.killed.OOMKilled} exit=${p.killed.ExitCode}${p.killed.Error ? ` ${p.killed.Error}` : ""}`,
        ]
      : []),
  ];

  // 1. The OOM kill in the evidence: the engine's oom event, exit 137, the task's error.
  const oom = Boolean(oomEvent) || p.killed?.OOMKilled === true;
  const title1 = "The OOM kill is visible in the evidence";
  if (oom && exit === 137 && failed) {
    items.push(
      pass(
        "oom-kill-visible",
        title1,
        `The kernel killed task ${killed.slice(0, 12)} on ${p.node} at ${mib(p.lowered)}: ${oomEvent ? "an oom event, " : ""}exit 137, "${failed.message}".`,
        [...[oomEvent, die, failed].filter((e): e is TimelineEvent => Boolean(e)).map(line), ...pressure],
      ),
    );
  } else if (oom && !failed && !die) {
    items.push(
      cantTell(
        "oom-kill-visible",
        title1,
        `the kernel's OOM killer ran in the task's container but the task kept running (it killed another process than the app${p.consumer?.adj && p.consumer.adj !== "1000" ? `: PID 1 could not be marked, ${p.consumer.adj}` : ""}), so no restart followed.`,
        [...(oomEvent ? [line(oomEvent)] : []), ...pressure],
      ),
    );
  } else if (failed || die) {
    items.push(
      fail(
        "oom-kill-visible",
        title1,
        `Task ${killed.slice(0, 12)} stopped (exit ${exit ?? "?"}), and nothing says the kernel killed it for memory: no oom event, OOMKilled ${p.killed?.OOMKilled ?? "unknown"}.`,
        [...[die, failed].filter((e): e is TimelineEvent => Boolean(e)).map(line), ...pressure],
      ),
    );
  } else {
    items.push(
      fail(
        "oom-kill-visible",
        title1,
        `The consumer allocated ${p.consumer?.allocatedMiB ?? 0} MiB in a task limited to ${mib(p.lowered)} and the task was never killed: the limit did not hold.`,
        pressure,
      ),
    );
  }

  // 2. Replaced: a new task of the slot runs, the service is back to its replicas.
  const r = replacement(f, p);
  const rEvents = r?.task ? taskEvents(f.timeline, r.task) : [];
  const rRunning = rEvents.find((e) => e.state === "running");
  const want = replicasOf(svc) ?? 0;
  const running = runningTasks(f.snapshot, svc).length;
  const policy = svc?.Spec.TaskTemplate?.RestartPolicy?.Condition ?? "any";
  const title2 = "The task was replaced and case-api is back to its replicas";
  const died = Boolean(failed || die);
  if (!died) {
    items.push(
      cantTell("task-replaced", title2, "the task was never killed.", [`restart_policy: ${policy}`]),
    );
  } else if (!rRunning) {
    items.push(
      fail(
        "task-replaced",
        title2,
        policy === "none"
          ? "case-api's restart condition is none: the OOM-killed task is never replaced."
          : `No new task of slot ${p.slot ?? "?"} reached running after the kill.`,
        [`restart_policy: ${policy}`, ...rEvents.map(line), `running ${running}/${want}`],
      ),
    );
  } else if (!f.run.stoppedAt && running < want) {
    items.push(
      fail(
        "task-replaced",
        title2,
        `Task ${r?.task?.slice(0, 12)} replaced it, but case-api runs ${running} of ${want}.`,
        [...rEvents.map(line)],
      ),
    );
  } else {
    items.push(
      pass(
        "task-replaced",
        title2,
        `Task ${r?.task?.slice(0, 12)} of slot ${r?.slot ?? "?"} runs on ${r?.node} (restart_policy ${policy}); case-api runs ${running}/${want}.`,
        [...rEvents.map(line), `restart_policy: ${policy}`],
      ),
    );
  }

  // 3. The other replicas kept serving: the prober's failed requests, measured.
  const probe = proberEvidence(f.run);
  const title3 = "The other replicas kept serving";
  if (!probe) {
    items.push(cantTell("kept-serving", title3, "the prober's counters could not be read."));
  } else {
    const ratio = probe.fail / Math.max(1, probe.ok + probe.fail);
    items.push(
      probe.ok > 0 && ratio <= 0.1 && want >= 2
        ? pass(
            "kept-serving",
            title3,
            `${probe.ok} requests answered, ${probe.fail} failed while the task restarted.`,
            [probe.text],
          )
        : fail(
            "kept-serving",
            title3,
            want < 2
              ? `case-api runs ${want} replica: while its only task restarted the app was down (${probe.fail} requests failed). Run at least 2.`
              : `${probe.fail} of ${probe.ok + probe.fail} requests failed while the task restarted.`,
            [probe.text],
          ),
    );
  }

  // 4. The learner's part: a limit set afterwards, from the evidence.
  items.push(limitAdjusted(f, p, oom && died, peak));
  return items;
}

function limitAdjusted(
  f: DrillFacts,
  p: PressureParams,
  oomKilled: boolean,
  peak: number | undefined,
): DrillItem {
  const id = "limit-adjusted";
  const title = "The limit adjusted afterwards, with evidence (your part)";
  const name = svcName(f);
  const svc = serviceNamed(f.snapshot, name);
  const changes = learnerLimits(f);
  const stopped = Boolean(f.run.stoppedAt);
  const how = `set one from what you measured: docker service update --detach --limit-memory <MiB>M ${name}, then \`drydock drill resource-pressure status\` (to keep ${mib(p.previousLimit)}, set it explicitly)`;
  // The limit now (after `stop`: the one it found before restoring). `status` records no
  // timeline, so the spec is the evidence; the timeline adds the changes a recorder saw.
  const seen = stopped
    ? (p.beforeRestore ?? {
        limit: (changes.at(-1)?.detail?.new as number | null | undefined) ?? p.lowered,
        update: "",
      })
    : {
        limit: svc?.Spec.TaskTemplate?.Resources?.Limits?.MemoryBytes ?? null,
        update: svc?.UpdateStatus?.State ?? "",
      };
  const limit = seen.limit;
  const evidence = [
    ...changes.map(line),
    `${stopped ? "at stop" : "now"}: limit ${mib(limit)}, update ${seen.update || "none"}; the drill set ${mib(p.lowered)}`,
  ];
  if (seen.update.startsWith("rollback") && limit === p.lowered)
    return fail(
      id,
      title,
      `Swarm rolled your new limit back (update ${seen.update}): its tasks failed. ${stopped ? "" : (svc?.UpdateStatus?.Message ?? "")}`.trim(),
      evidence,
    );
  if (limit === p.lowered && changes.length === 0) {
    return stopped
      ? fail(
          id,
          title,
          `No new limit was set during the drill; \`stop\` put back ${mib(p.previousLimit)}.`,
          evidence,
        )
      : item(id, title, "pending", `Not done yet: ${how}.`, evidence);
  }
  if (!stopped && (seen.update === "updating" || seen.update === "rollback_started"))
    return item(
      id,
      title,
      "pending",
      `Your new limit is rolling out (update ${seen.update}): ask again once it ends.`,
      evidence,
    );
  if (!limit)
    return fail(
      id,
      title,
      `You removed the limit: nothing bounds case-api now, and a leak takes its node's memory.`,
      evidence,
    );
  if (limit <= p.lowered)
    return fail(
      id,
      title,
      `${mib(limit)} is no more than the ${mib(p.lowered)} the task was OOM-killed at: the next spike kills it again.`,
      evidence,
    );
  if (!oomKilled)
    return cantTell(
      id,
      title,
      `the OOM kill was not observed, so no limit was proven too small to hold ${mib(limit)} against.`,
      evidence,
    );
  if (peak === undefined)
    return cantTell(
      id,
      title,
      `the drill could not measure case-api's memory before the fault (${p.measureError ?? "no running task"}), so there is no number to hold ${mib(limit)} against.`,
      evidence,
    );
  evidence.push(`measured working set ${mib(peak)}; OOM-killed at ${mib(p.lowered)}`);
  if (limit < peak * 1.5)
    return fail(
      id,
      title,
      `${mib(limit)} leaves less than 50% headroom over the ${mib(peak)} case-api used before the fault.`,
      evidence,
    );
  return pass(
    id,
    title,
    `${mib(limit)}: above the ${mib(p.lowered)} the task was OOM-killed at, ${(limit / peak).toFixed(1)}× the ${mib(peak)} it used. Write it and this evidence in the capacity worksheet, and in the stack file (\`stop\` puts back ${mib(p.previousLimit)}).`,
    evidence,
  );
}
