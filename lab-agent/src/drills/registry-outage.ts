import { errorMessage } from "../common/errors.ts";
import { containerName, type EngineRole, networkName } from "../lab/lab-names.ts";
import { nodeExec, proberEvidence } from "./drill-runner.ts";
import type {
  DrillDefinition,
  DrillEnv,
  DrillFacts,
  DrillItem,
  SnapNode,
  TimelineEvent,
} from "./drill-types.ts";
import { eligible } from "./node-drain.ts";
import { setServiceImage } from "./service-updates.ts";
import { replicasOf, runningTasks, serviceNamed } from "./timeline.ts";
import { after, cantTell, fail, line, ms, pass, updateSettled } from "./verify-helpers.ts";

const svcName = (f: DrillFacts) => `${String(f.run.params.stack ?? "reg-case")}_case-api`;
const digest = (ref: string) => /@(sha256:[0-9a-f]{64})/.exec(ref)?.[1] ?? ref;

/** What a node's engine says when it cannot get an image (the task's Err, the pull probe's error). */
export const PULL_FAILED =
  /No such image|connection refused|no such host|context deadline exceeded|i\/o timeout|dial tcp|manifest unknown|not found/i;
/** The registry answered, but refused the client: a credentials problem, not an outage. */
export const PULL_AUTH =
  /pull access denied|no basic auth credentials|unauthorized|authentication required|denied: requested access/i;

/**
 * The release the drill rolls out during the outage: the running image with one more label (its
 * value the run's start time, so its digest is new and no node has it cached), built on laptop,
 * pushed while the registry still answers laptop, named by digest. Fixed text; inputs are arguments.
 */
const BUILD = `set -e
printf 'FROM %s\\nLABEL io.drydock.drill=registry-outage io.drydock.drill.run=%s\\n' "$1" "$2" | docker build -q -t registry:5000/reg-case-platform:drill-outage - >/dev/null
docker push -q registry:5000/reg-case-platform:drill-outage >/dev/null
docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' registry:5000/reg-case-platform:drill-outage | grep '^registry:5000/reg-case-platform@' | head -n1`;

/**
 * The firewall rule, in the node's own network namespace (where its engine pulls from): REJECT
 * with a TCP reset, so a pull fails at once ("connection refused"); DROP where the kernel has no
 * REJECT target (a pull then waits for its dial timeout).
 */
export const firewallRule = (registryIp: string, target: "REJECT" | "DROP" = "REJECT") => [
  "OUTPUT",
  "-p",
  "tcp",
  "-d",
  `${registryIp}/32`,
  "--dport",
  "5000",
  "-j",
  target,
  ...(target === "REJECT" ? ["--reject-with", "tcp-reset"] : []),
];

/** Asks a node's engine for the release's manifest (GET /distribution): the node's own view of the registry. */
async function reach(env: Pick<DrillEnv, "lab">, node: string, image: string): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const engine = await env.lab.engine(node as EngineRole);
    const d = (await Promise.race([
      engine.getImage(image).distribution({}),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no answer within 45 s (i/o timeout)")), 45_000);
      }),
    ])) as { Descriptor?: { digest?: string } };
    return `reached: ${d.Descriptor?.digest ?? "manifest"}`;
  } catch (err) {
    return `failed: ${errorMessage(err).replace(/\s+/g, " ").slice(0, 300)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** The swarm nodes a case-api task may be placed on (its constraints), active and ready. */
export function appNodes(nodes: SnapNode[], svc: Parameters<typeof eligible>[1]): string[] {
  return nodes
    .filter((n) => n.Spec?.Availability === "active" && n.Status?.State === "ready" && eligible(n, svc))
    .map((n) => n.Description?.Hostname ?? n.ID)
    .sort();
}

export const registryOutage: DrillDefinition = {
  id: "registry-outage",
  title: "make the registry unreachable from the swarm, then release",
  needs: ["iptables"],
  learner: [
    "iptables -n -L OUTPUT   # on worker-1 and worker-2: the REJECT rule for registry:5000 that the drill added",
    "docker service update --detach --no-resolve-image --image registry:5000/reg-case-platform@sha256:<the drill-outage digest> reg-case_case-api",
    "docker service ps reg-case_case-api --no-trunc   # the new task: Rejected, No such image",
    "docker service inspect reg-case_case-api --format '{{json .UpdateStatus}}'",
  ],
  preconditions(snap, stack) {
    const svc = serviceNamed(snap, `${stack}_case-api`);
    if (!svc?.Spec.TaskTemplate?.ContainerSpec?.Image) return [`${stack}_case-api has no image.`];
    return appNodes(snap.nodes, svc).length === 0
      ? [`No active, ready node may run ${stack}_case-api (its placement constraints): nothing to cut off.`]
      : [];
  },
  waitMs: 120_000,
  async inject(env, run, snap) {
    const svc = serviceNamed(snap, `${env.stack}_case-api`);
    const good = svc?.Spec.TaskTemplate?.ContainerSpec?.Image;
    if (!svc || !good) throw new Error("case-api has no image");
    const nodes = appNodes(snap.nodes, svc);
    const reg = (await env.lab.host.getContainer(containerName(env.lab.lab, "registry")).inspect()) as {
      NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
    };
    const registryIp = reg.NetworkSettings?.Networks?.[networkName(env.lab.lab)]?.IPAddress;
    if (!registryIp) throw new Error("the lab registry has no address on the lab network");
    const running = runningTasks(snap, svc).map((t) => ({
      id: t.ID,
      node: snap.nodes.find((n) => n.ID === t.NodeID)?.Description?.Hostname ?? t.NodeID ?? "?",
    }));
    run.params = {
      ...run.params,
      stack: env.stack,
      goodImage: good,
      registryIp,
      nodes,
      runningAtInject: running,
    };
    env.save();
    // 1. The firewall, one node at a time (each undo step saved before its rule exists).
    const tools: Record<string, string> = {};
    for (const node of nodes) {
      const v = await nodeExec(env.lab, node as EngineRole, ["iptables", "-V"]);
      tools[node] = (v.stdout || v.stderr).trim();
      env.progress(`Firewalling the registry (${registryIp}:5000) from ${node}…`);
      let refused = "";
      for (const target of ["REJECT", "DROP"] as const) {
        const rule = firewallRule(registryIp, target);
        run.undo.push({ kind: "firewall", node, rule });
        env.save();
        const r = await nodeExec(env.lab, node as EngineRole, ["iptables", "-w", "-I", ...rule]);
        if (r.code === 0) {
          env.note(`on ${node}: iptables -I ${rule.join(" ")}`, { node, iptables: tools[node] });
          refused = "";
          break;
        }
        refused = `${refused}${target}: ${r.stderr.trim().slice(0, 200)} `;
      }
      if (refused) throw new Error(`iptables on ${node} (${tools[node]}) refused the rule: ${refused}`);
    }
    run.params.iptables = tools;
    // 2. The release, built and pushed from laptop (which still reaches the registry).
    env.progress("Building the release on laptop and pushing it (laptop still reaches the registry)…");
    const from = good.replace(/^(registry:5000\/[^:@]+):[^@]+@/, "$1@");
    const built = await nodeExec(env.lab, "laptop", ["bash", "-c", BUILD, "build", from, run.startedAt]);
    const release = built.stdout.trim();
    if (built.code !== 0 || !release)
      throw new Error(`the release did not build: ${built.stderr.trim().slice(0, 300)}`);
    run.params.releaseImage = release;
    // 3. The fault is real: each cut-off node's engine fails to reach the registry.
    const during: Record<string, string> = {};
    for (const node of nodes) during[node] = await reach(env, node, release);
    run.params.reachDuring = during;
    const open = nodes.filter((n) => during[n]?.startsWith("reached"));
    if (open.length > 0)
      throw new Error(`the firewall did not take: ${open.join(", ")} still reach the registry`);
    // 4. The release, while the swarm cannot pull it.
    run.undo.push({ kind: "service-image", service: svc.Spec.Name as string, image: good });
    env.save();
    env.note(`docker service update --no-resolve-image --image ${release} ${svc.Spec.Name}`);
    env.progress("Releasing it while the nodes cannot reach the registry…");
    await setServiceImage(await env.lab.engine("manager-1"), svc.ID, release);
    run.injectedAt = new Date().toISOString();
  },
  settled: (f) => updateSettled(f, svcName(f)),
  async afterRestore(env, run) {
    const release = String(run.params.releaseImage ?? "");
    if (!release) return;
    const back: Record<string, string> = {};
    for (const node of (run.params.nodes as string[] | undefined) ?? [])
      back[node] = await reach(env, node, release);
    run.params.reachAfter = back;
  },
  recovered(f) {
    const svc = serviceNamed(f.snapshot, svcName(f));
    const state = svc?.UpdateStatus?.State ?? "";
    return (
      runningTasks(f.snapshot, svc).length === (replicasOf(svc) ?? 0) &&
      state !== "updating" &&
      state !== "rollback_started"
    );
  },
  recoveryWaitMs: 60_000,
  verify: verifyOutage,
};

/** The timeline from the fault up to the first restore step of `stop` (or now). */
export function duringFault(f: DrillFacts): TimelineEvent[] {
  const events = after(f.timeline, f.run.injectedAt);
  const restored = events.find((e) => e.kind === "drill" && e.message?.startsWith("restored "));
  const end = restored ? ms(restored.at) : f.run.stoppedAt ? ms(f.run.stoppedAt) : Number.POSITIVE_INFINITY;
  return events.filter((e) => ms(e.at) < end);
}

export function verifyOutage(f: DrillFacts): DrillItem[] {
  const name = svcName(f);
  const svc = serviceNamed(f.snapshot, name);
  const release = digest(String(f.run.params.releaseImage ?? ""));
  const good = digest(String(f.run.params.goodImage ?? ""));
  const nodes = (f.run.params.nodes as string[] | undefined) ?? [];
  const during = (f.run.params.reachDuring as Record<string, string> | undefined) ?? {};
  const reachText = (r: Record<string, string>) => Object.entries(r).map(([n, s]) => `${n} → registry: ${s}`);
  const window = duringFault(f);
  const items: DrillItem[] = [];

  // 1. What was running kept running: the same tasks, and the prober's requests answered.
  const before = (f.run.params.runningAtInject as Array<{ id: string; node: string }> | undefined) ?? [];
  const probe = proberEvidence(f.run);
  const stopped = before.flatMap((t) => {
    const ev = window.find(
      (e) =>
        e.kind === "task" &&
        e.task === t.id &&
        (e.state !== "running" || (e.desired !== undefined && e.desired !== "running")),
    );
    const now = f.run.stoppedAt ? undefined : f.snapshot.tasks.find((x) => x.ID === t.id);
    const gone = !f.run.stoppedAt && (now?.Status?.State !== "running" || now?.DesiredState !== "running");
    return ev
      ? [line(ev)]
      : gone
        ? [`${t.id.slice(0, 12)} on ${t.node}: ${now?.Status?.State ?? "gone"}`]
        : [];
  });
  const order = svc?.Spec.UpdateConfig?.Order ?? "stop-first";
  const releaseRef = String(f.run.params.releaseImage ?? "");
  const oldPull = window.find(
    (e) =>
      e.kind === "task" &&
      e.service === name &&
      e.image !== releaseRef &&
      ["rejected", "failed"].includes(e.state ?? "") &&
      /No such image|pull/i.test(e.message ?? ""),
  );
  const kept = before.map(
    (t) => `task ${t.id.slice(0, 12)} on ${t.node} (running when the registry went away)`,
  );
  if (before.length === 0) {
    items.push(
      cantTell(
        "kept-running",
        "Running tasks kept running",
        "no case-api task was running when the fault began.",
      ),
    );
  } else if (!probe) {
    items.push(
      cantTell(
        "kept-running",
        "Running tasks kept running",
        "the prober's counters could not be read.",
        kept,
      ),
    );
  } else {
    const few = probe.fail <= Math.max(2, 0.05 * (probe.ok + probe.fail));
    items.push(
      stopped.length === 0 && probe.ok > 0 && few
        ? pass(
            "kept-running",
            "Running tasks kept running",
            `The ${before.length} case-api task${before.length === 1 ? "" : "s"} running before the outage ran on, unchanged; ${probe.ok} requests answered, ${probe.fail} failed.`,
            [...kept, probe.text],
          )
        : fail(
            "kept-running",
            "Running tasks kept running",
            stopped.length > 0
              ? `${before.length === 1 ? "The one task" : `${stopped.length} of the ${before.length} tasks`} running before the outage stopped during it${order === "stop-first" ? ": with stop-first, Swarm stopped an old task before its replacement had its image" : ""}${oldPull ? `; a replacement on ${oldPull.node} could not get ${oldPull.image} either (${oldPull.message})` : ""}.`
              : `${probe.fail} of ${probe.ok + probe.fail} requests failed while the registry was unreachable.`,
            [...stopped, probe.text],
          ),
    );
  }

  // 2. A new task could not get its image, and the node says why.
  const releaseTasks = window.filter(
    (e) => e.kind === "task" && e.service === name && digest(e.image ?? "") === release,
  );
  const failed = releaseTasks.filter(
    (e) => ["rejected", "failed"].includes(e.state ?? "") && PULL_FAILED.test(e.message ?? ""),
  );
  const auth = releaseTasks.filter((e) => PULL_AUTH.test(e.message ?? ""));
  const ran = releaseTasks.filter((e) => e.state === "running");
  const probeText = reachText(during);
  const unreachable = nodes.length > 0 && nodes.every((n) => during[n] && !during[n]?.startsWith("reached"));
  if (auth.length > 0) {
    items.push(
      cantTell(
        "pull-failure-visible",
        "A new task's pull failure is visible",
        "the registry answered and refused the credentials (pull access denied): that is a login problem (deploy with --with-registry-auth), not the outage.",
        [...auth.slice(0, 2).map(line), ...probeText],
      ),
    );
  } else if (failed.length > 0 && unreachable) {
    const first = failed[0] as TimelineEvent;
    items.push(
      pass(
        "pull-failure-visible",
        "A new task's pull failure is visible",
        `The release's task on ${first.node} could not get its image: ${first.message}.`,
        [...failed.slice(0, 3).map(line), ...probeText],
      ),
    );
  } else if (ran.length > 0) {
    items.push(
      cantTell(
        "pull-failure-visible",
        "A new task's pull failure is visible",
        `a task of the release started on ${ran[0]?.node}: that node had the image already, so it needed no pull and the outage was never tested.`,
        [...ran.slice(0, 2).map(line), ...probeText],
      ),
    );
  } else if (failed.length > 0) {
    items.push(
      cantTell(
        "pull-failure-visible",
        "A new task's pull failure is visible",
        "a task of the release failed to get its image, but the nodes were not seen cut off from the registry.",
        [...failed.slice(0, 2).map(line), ...probeText],
      ),
    );
  } else {
    items.push(
      cantTell(
        "pull-failure-visible",
        "A new task's pull failure is visible",
        releaseTasks.length === 0
          ? "no task of the release was created while the registry was unreachable."
          : "no task of the release failed with a pull error.",
        [...releaseTasks.slice(0, 3).map(line), ...probeText],
      ),
    );
  }

  // 3. The release stopped there: rolled back or paused, per the update policy, not completed.
  const updates = window.filter((e) => e.kind === "update" && e.service === name);
  const states = updates.map((e) => e.state ?? "");
  const policy = svc?.Spec.UpdateConfig ?? {};
  const action = policy.FailureAction ?? "pause";
  const policyText = `update_config: failure_action ${action}, order ${policy.Order ?? "stop-first"}`;
  const last = states.at(-1) ?? (f.run.stoppedAt ? "" : (svc?.UpdateStatus?.State ?? ""));
  // The release's task can be rejected within the recorder's second: `updating` may never be seen.
  if (updates.length === 0) {
    items.push(
      cantTell(
        "release-blocked",
        "The release stopped until the registry is back",
        "no update of case-api was recorded after the release.",
        [...updates.map(line), policyText],
      ),
    );
  } else if (last === "completed" && ran.length > 0 && failed.length === 0) {
    items.push(
      cantTell(
        "release-blocked",
        "The release stopped until the registry is back",
        "the release's tasks found their image on their nodes and ran: nothing had to wait for the registry.",
        [policyText, ...updates.map(line)],
      ),
    );
  } else if (action === "continue") {
    items.push(
      fail(
        "release-blocked",
        "The release stopped until the registry is back",
        `failure_action is continue: Swarm went on replacing tasks with an image no node could get (${last}).`,
        [policyText, ...updates.map(line)],
      ),
    );
  } else if (/rollback_completed|paused/.test(last)) {
    items.push(
      pass(
        "release-blocked",
        "The release stopped until the registry is back",
        last === "rollback_completed"
          ? `Swarm rolled case-api back to ${good.slice(0, 19)}…, the image its nodes already have.`
          : `The update ${last}: the release waits until the registry is back.`,
        [policyText, ...updates.map(line)],
      ),
    );
  } else {
    items.push(
      fail(
        "release-blocked",
        "The release stopped until the registry is back",
        last === "completed"
          ? "The update completed although the release's tasks could not get their image."
          : `The update was still ${last || "unknown"} when the drill looked.`,
        [policyText, ...updates.map(line)],
      ),
    );
  }

  // 4. After `stop`: the nodes reach the registry again and every replica runs.
  if (f.run.stoppedAt) {
    const back = (f.run.params.reachAfter as Record<string, string> | undefined) ?? {};
    const running = runningTasks(f.snapshot, svc);
    const want = replicasOf(svc) ?? 0;
    const runText = `running after the restore: ${running.map((t) => `${t.ID.slice(0, 12)} ${digest(t.Spec?.ContainerSpec?.Image ?? "").slice(0, 19)}`).join(", ") || "none"} (${running.length}/${want})`;
    const cut = nodes.filter((n) => !back[n]?.startsWith("reached"));
    if (Object.keys(back).length === 0) {
      items.push(
        cantTell(
          "recovered",
          "Recovered once the registry is back",
          "the nodes were not asked for the registry after the restore.",
          [runText],
        ),
      );
    } else if (cut.length > 0) {
      items.push(
        fail(
          "recovered",
          "Recovered once the registry is back",
          `${cut.join(", ")} still cannot reach the registry.`,
          [...reachText(back), runText],
        ),
      );
    } else if (running.length < want) {
      items.push(
        fail(
          "recovered",
          "Recovered once the registry is back",
          `The registry is back, but case-api runs ${running.length} of ${want} replicas.`,
          [...reachText(back), runText],
        ),
      );
    } else {
      items.push(
        pass(
          "recovered",
          "Recovered once the registry is back",
          `Every node reaches the registry again and case-api runs ${running.length}/${want} tasks.`,
          [...reachText(back), runText],
        ),
      );
    }
  }
  return items;
}
