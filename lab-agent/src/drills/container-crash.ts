import { constants } from "node:os";
import { splitStreams } from "../checks/engine-reads.ts";
import type { EngineRole } from "../lab/lab-names.ts";
import { needReplicas, proberEvidence } from "./drill-runner.ts";
import type { DrillDefinition, DrillFacts, DrillItem } from "./drill-types.ts";
import { hostnameOf, runningTasks, serviceNamed } from "./timeline.ts";
import { after, cantTell, fail, line, ms, pass, secs, taskEvents } from "./verify-helpers.ts";

export const CRASH_SIGNALS = ["KILL", "TERM", "INT", "QUIT", "ABRT", "SEGV"] as const;

const svcName = (f: DrillFacts) => `${String(f.run.params.stack ?? "reg-case")}_case-api`;

/** The new task of the killed task's slot: created after the kill, on the timeline. */
function replacement(f: DrillFacts) {
  const killed = String(f.run.params.task ?? "");
  const slot = f.run.params.slot as number | undefined;
  const later = after(f.timeline, f.run.injectedAt).filter(
    (e) => e.kind === "task" && e.service === svcName(f) && e.task !== killed && e.detail?.first,
  );
  const sameSlot = later.filter((e) => slot === undefined || e.slot === slot);
  return sameSlot[0] ?? later[0];
}

export const containerCrash: DrillDefinition = {
  id: "container-crash",
  title: "kill one case-api task's process with a signal",
  needs: [],
  learner: [
    "docker service ps reg-case_case-api --no-trunc",
    "docker service logs reg-case_case-api --since 10m",
  ],
  preconditions: (snap, stack) => needReplicas(snap, `${stack}_case-api`, 2),
  waitMs: 90_000,
  async inject(env, run, snap, opts) {
    const signal = (opts.signal ?? "KILL").toUpperCase().replace(/^SIG/, "");
    const svc = serviceNamed(snap, `${env.stack}_case-api`);
    const task = runningTasks(snap, svc).find((t) => t.Status?.ContainerStatus?.ContainerID);
    if (!task) throw new Error("no running case-api task to kill");
    const node = hostnameOf(snap, task.NodeID);
    const container = task.Status?.ContainerStatus?.ContainerID as string;
    run.params = { ...run.params, stack: env.stack, signal, task: task.ID, slot: task.Slot, node, container };
    env.save();
    env.note(`kill -s ${signal} the process of task ${task.ID} on ${node}`);
    const engine = await env.lab.engine(node as EngineRole);
    await engine.getContainer(container).kill({ signal: `SIG${signal}` });
    run.injectedAt = new Date().toISOString();
  },
  settled(f) {
    const r = replacement(f);
    return Boolean(r?.task && taskEvents(f.timeline, r.task).some((e) => e.state === "running"));
  },
  async afterWait(env, run) {
    // The killed container's last lines, as `docker service logs` shows them (it is kept with the task).
    try {
      const engine = await env.lab.engine(String(run.params.node) as EngineRole);
      const buf = (await engine
        .getContainer(String(run.params.container))
        .logs({ stdout: true, stderr: true, tail: 20 })) as Buffer;
      const { stdout, stderr } = splitStreams(buf);
      run.params.logTail = `${stdout}${stderr}`.trim().slice(-1500);
    } catch (err) {
      run.params.logTail = null;
      run.params.logError = (err as Error).message;
    }
  },
  verify: verifyCrash,
};

export function verifyCrash(f: DrillFacts): DrillItem[] {
  const killed = String(f.run.params.task ?? "");
  const signal = String(f.run.params.signal ?? "KILL");
  const svc = serviceNamed(f.snapshot, svcName(f));
  const spec = svc?.Spec.TaskTemplate;
  const items: DrillItem[] = [];
  const died = taskEvents(f.timeline, killed).filter((e) =>
    ["failed", "complete", "shutdown"].includes(e.state ?? ""),
  );
  const die = f.timeline.find((e) => e.kind === "container" && e.task === killed && e.action === "die");
  const r = replacement(f);
  const rEvents = r?.task ? taskEvents(f.timeline, r.task) : [];
  const rRunning = rEvents.find((e) => e.state === "running");
  const probe = proberEvidence(f.run);

  // 1. Replaced.
  if (!die && died.length === 0) {
    items.push(
      fail(
        "task-replaced",
        "The killed task was detected and replaced",
        `Task ${killed} never died on the timeline: the signal did not stop it.`,
      ),
    );
  } else if (!r || !rRunning) {
    items.push(
      fail(
        "task-replaced",
        "The killed task was detected and replaced",
        `Task ${killed} died, and no new task of its slot reached running.`,
        [...died.map(line), ...rEvents.map(line)],
      ),
    );
  } else {
    items.push(
      pass(
        "task-replaced",
        "The killed task was detected and replaced",
        `Task ${killed} died (${die?.exitCode !== undefined ? `exit ${die.exitCode}` : died[0]?.state}); task ${r.task} of slot ${r.slot ?? "?"} runs on ${r.node}.`,
        [
          ...(die ? [line(die)] : []),
          ...died.map(line),
          ...rEvents.map(line),
          ...(probe ? [probe.text] : []),
        ],
      ),
    );
  }

  // 2. The restart policy applied.
  const policy = spec?.RestartPolicy ?? {};
  const condition = policy.Condition ?? "any";
  const exit =
    die?.exitCode ?? f.timeline.find((e) => e.task === killed && e.exitCode !== undefined)?.exitCode;
  const policyText = `restart_policy: condition ${condition}, delay ${secs(policy.Delay)} s${policy.MaxAttempts ? `, max_attempts ${policy.MaxAttempts}` : ""}`;
  if (condition === "none") {
    items.push(
      fail(
        "restart-policy",
        "The restart policy applied",
        `case-api's restart condition is none: a crashed task is never replaced.`,
        [policyText],
      ),
    );
  } else if (condition === "on-failure" && exit === 0) {
    items.push(
      fail(
        "restart-policy",
        "The restart policy applied",
        `The process exited 0 on SIG${signal} and the condition is on-failure: Swarm leaves the slot empty.`,
        [policyText],
      ),
    );
  } else if (!rRunning) {
    items.push(
      fail("restart-policy", "The restart policy applied", `No replacement started (${policyText}).`, [
        policyText,
      ]),
    );
  } else {
    const startedAfter =
      (ms(rEvents.find((e) => e.state === "starting" || e.state === "running")?.at) -
        ms(die?.at ?? died[0]?.at)) /
      1000;
    items.push(
      pass(
        "restart-policy",
        "The restart policy applied",
        `${policyText}: the replacement started ${Number.isFinite(startedAfter) ? `${startedAfter.toFixed(1)} s` : "some time"} after the exit.`,
        [policyText],
      ),
    );
  }

  // 3. The logs (task status and the process's own lines) show the cause.
  const signum = (constants.signals as Record<string, number>)[`SIG${signal}`] ?? 0;
  const taskErr = died.map((e) => e.message ?? "").find((m) => /exit|signal|kill/i.test(m)) ?? "";
  const logTail = typeof f.run.params.logTail === "string" ? f.run.params.logTail : "";
  const logSays = new RegExp(`SIG${signal}|${signal.toLowerCase()}|signal|shut`, "i").test(logTail);
  const exitSays = exit === 128 + signum || new RegExp(`\\(${128 + signum}\\)`).test(taskErr);
  if (exitSays || logSays) {
    items.push(
      pass(
        "logs-show-cause",
        "The logs show the cause",
        exitSays
          ? `docker service ps shows "${taskErr || `exit ${exit}`}": exit ${128 + signum} is 128 + ${signum}, SIG${signal}.`
          : `The task's own log names the signal.`,
        [taskErr, ...(logTail ? [`log: ${logTail.split("\n").slice(-4).join(" | ")}`] : [])].filter(Boolean),
      ),
    );
  } else if (!die && died.length === 0) {
    items.push(cantTell("logs-show-cause", "The logs show the cause", "the task never died."));
  } else {
    items.push(
      fail(
        "logs-show-cause",
        "The logs show the cause",
        `Neither the task's status (${taskErr || `exit ${exit ?? "?"}`}) nor its last log lines say why it stopped.`,
        [...(logTail ? [`log: ${logTail.slice(-400)}`] : ["log: (empty)"])],
      ),
    );
  }

  // 4. Not reported healthy while restarting: with a healthcheck, the new task is `starting` until it passes.
  const test = spec?.ContainerSpec?.Healthcheck?.Test;
  const imageHealth = f.run.params.imageHealthcheck;
  const noHealth = (test && test[0] === "NONE") || (!test && imageHealth === false);
  const healthy = r?.task
    ? f.timeline.find(
        (e) => e.kind === "container" && e.task === r.task && e.action === "health_status: healthy",
      )
    : undefined;
  const wasStarting = rEvents.some((e) => e.state === "starting");
  if (noHealth) {
    items.push(
      fail(
        "not-healthy-while-restarting",
        "The service was not reported healthy while restarting",
        "case-api has no healthcheck: Swarm counts a new task running as soon as its process starts, before it can serve.",
      ),
    );
  } else if (!rRunning) {
    items.push(
      cantTell(
        "not-healthy-while-restarting",
        "The service was not reported healthy while restarting",
        "no replacement reached running.",
      ),
    );
  } else if (healthy && ms(healthy.at) <= ms(rRunning.at) + 1500) {
    items.push(
      pass(
        "not-healthy-while-restarting",
        "The service was not reported healthy while restarting",
        `The new task stayed ${wasStarting ? "starting" : "not running"} until its health check passed (${healthy.at}), then running (${rRunning.at}).`,
        [line(healthy), ...rEvents.map(line)],
      ),
    );
  } else if (!healthy && wasStarting) {
    items.push(
      pass(
        "not-healthy-while-restarting",
        "The service was not reported healthy while restarting",
        "The new task was starting before it ran (its health event was not recorded).",
        rEvents.map(line),
      ),
    );
  } else {
    items.push(
      fail(
        "not-healthy-while-restarting",
        "The service was not reported healthy while restarting",
        `The new task ran at ${rRunning.at}, before any passing health check.`,
        rEvents.map(line),
      ),
    );
  }
  return items;
}
