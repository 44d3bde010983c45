import { needReplicas, proberEvidence } from "./drill-runner.ts";
import type {
  DrillDefinition,
  DrillFacts,
  DrillItem,
  SnapNode,
  SnapService,
  SwarmSnapshot,
} from "./drill-types.ts";
import { hostnameOf, replicasOf, tasksOf } from "./timeline.ts";
import { cantTell, fail, line, pass } from "./verify-helpers.ts";

const stackOf = (f: DrillFacts) => String(f.run.params.stack ?? "reg-case");
const target = (f: DrillFacts) => String(f.run.params.node ?? "worker-1");
const mine = (s: SwarmSnapshot, stack: string) =>
  s.services.filter((x) => x.Spec.Labels?.["com.docker.stack.namespace"] === stack);

/** Whether a node satisfies a service's placement constraints (labels, role, hostname: ==, !=). */
export function eligible(node: SnapNode, svc: SnapService): boolean {
  return (svc.Spec.TaskTemplate?.Placement?.Constraints ?? []).every((c) => {
    const m = /^\s*([\w.-]+)\s*(==|!=)\s*(.+?)\s*$/.exec(c);
    if (!m) return true;
    const [, key = "", op, want] = m;
    const have = key.startsWith("node.labels.")
      ? node.Spec?.Labels?.[key.slice("node.labels.".length)]
      : key === "node.role"
        ? node.Spec?.Role
        : key === "node.hostname"
          ? node.Description?.Hostname
          : key === "node.id"
            ? node.ID
            : undefined;
    return op === "==" ? have === want : have !== want;
  });
}

const liveOn = (s: SwarmSnapshot, svc: SnapService, node?: string) =>
  tasksOf(s, svc).filter(
    (t) =>
      t.DesiredState === "running" &&
      t.Status?.State === "running" &&
      (!node || hostnameOf(s, t.NodeID) === node),
  );

export const nodeDrain: DrillDefinition = {
  id: "node-drain",
  title: "drain a worker",
  needs: [],
  learner: [
    "docker node update --availability drain worker-1",
    "docker node ps worker-1 --no-trunc",
    "docker service ps reg-case_case-api --no-trunc",
    "docker node update --availability active worker-1   # what `drydock drill node-drain stop` does",
  ],
  preconditions(snap, stack, opts) {
    const node = opts.node ?? "worker-1";
    const n = snap.nodes.find((x) => x.Description?.Hostname === node);
    const problems = needReplicas(snap, `${stack}_case-api`, 2);
    if (!n) problems.push(`There is no node ${node} in the swarm.`);
    else if (n.Spec?.Availability !== "active" || n.Status?.State !== "ready")
      problems.push(
        `${node} is ${n.Spec?.Availability}/${n.Status?.State}: the drill drains an active, ready worker.`,
      );
    return problems;
  },
  waitMs: 120_000,
  async inject(env, run, snap, opts) {
    const node = opts.node ?? "worker-1";
    const n = snap.nodes.find((x) => x.Description?.Hostname === node);
    if (!n) throw new Error(`no node ${node}`);
    run.params = { ...run.params, stack: env.stack, node };
    run.undo.push({ kind: "node-availability", node, availability: n.Spec?.Availability ?? "active" });
    env.save();
    env.note(`docker node update --availability drain ${node}`);
    const manager = await env.lab.engine("manager-1");
    const full = (await manager.getNode(n.ID).inspect()) as { Version: { Index: number }; Spec: object };
    await manager.getNode(n.ID).update({ version: full.Version.Index, ...full.Spec, Availability: "drain" });
    run.injectedAt = new Date().toISOString();
  },
  settled(f) {
    const s = f.snapshot;
    const services = mine(s, stackOf(f));
    return (
      services.every((svc) => liveOn(s, svc, target(f)).length === 0) &&
      services
        .filter((svc) => s.nodes.some((n) => n.Description?.Hostname !== target(f) && eligible(n, svc)))
        .every((svc) => liveOn(s, svc).length === (replicasOf(svc) ?? 0))
    );
  },
  // Restored means the node active again AND every service back to its replicas: the tasks the
  // drain moved may still be starting, and the next drill's preconditions need them running.
  recovered: (f) =>
    f.snapshot.nodes.find((n) => n.Description?.Hostname === target(f))?.Spec?.Availability === "active" &&
    mine(f.snapshot, stackOf(f)).every((svc) => liveOn(f.snapshot, svc).length === (replicasOf(svc) ?? 0)),
  recoveryWaitMs: 120_000,
  verify: verifyDrain,
};

export function verifyDrain(f: DrillFacts): DrillItem[] {
  const s = f.snapshot;
  const node = target(f);
  const services = mine(s, stackOf(f));
  const items: DrillItem[] = [];
  const nodeEvents = f.timeline.filter((e) => e.kind === "node" && e.node === node).map(line);
  const drained = f.run.stoppedAt
    ? f.timeline.some((e) => e.kind === "node" && e.node === node && e.state?.startsWith("drain"))
    : s.nodes.find((n) => n.Description?.Hostname === node)?.Spec?.Availability === "drain";
  if (!drained)
    return [cantTell("node-drained", `${node} was drained`, `${node} was never seen drained.`, nodeEvents)];
  // 1. Nothing left on the drained node (while it is drained).
  const left = f.run.stoppedAt
    ? []
    : services.flatMap((svc) => liveOn(s, svc, node).map((t) => `${svc.Spec.Name} ${t.ID}`));
  const moved = f.timeline
    .filter((e) => e.kind === "task" && e.node === node && e.state === "shutdown")
    .map(line);
  items.push(
    left.length === 0
      ? pass("no-tasks-left", `No tasks left on ${node}`, `${node} runs none of the stack's tasks.`, [
          ...nodeEvents,
          ...moved,
        ])
      : fail("no-tasks-left", `No tasks left on ${node}`, `${node} still runs ${left.join(", ")}.`, left),
  );
  // 2. Replicated services restored elsewhere (those that may run on another node).
  const movable = services.filter((svc) =>
    s.nodes.some(
      (n) => n.Description?.Hostname !== node && n.Spec?.Availability === "active" && eligible(n, svc),
    ),
  );
  const short = movable.filter((svc) => liveOn(s, svc).length < (replicasOf(svc) ?? 0));
  const probe = proberEvidence(f.run);
  const where = movable.map(
    (svc) =>
      `${svc.Spec.Name}: ${liveOn(s, svc).length}/${replicasOf(svc)} on ${[...new Set(liveOn(s, svc).map((t) => hostnameOf(s, t.NodeID)))].join(", ") || "no node"}`,
  );
  items.push(
    short.length === 0
      ? pass(
          "replicas-restored",
          "Replicas restored on other nodes",
          `Every service that may run elsewhere runs all its replicas.`,
          [...where, ...(probe ? [probe.text] : [])],
        )
      : fail(
          "replicas-restored",
          "Replicas restored on other nodes",
          `${short.map((x) => x.Spec.Name).join(", ")} did not get back to full strength.`,
          where,
        ),
  );
  // 3. Capacity: the app kept answering (the prober, through the swarm).
  const app = services.find((x) => x.Spec.Name === `${stackOf(f)}_case-api`);
  if (!probe)
    items.push(
      cantTell(
        "app-kept-serving",
        "case-api kept serving during the drain",
        "the prober's counters could not be read.",
      ),
    );
  else {
    const ratio = probe.fail / Math.max(1, probe.ok + probe.fail);
    const one = (replicasOf(app) ?? 0) < 2;
    items.push(
      probe.ok > 0 && ratio <= 0.1 && !one
        ? pass(
            "app-kept-serving",
            "case-api kept serving during the drain",
            `${probe.ok} requests answered, ${probe.fail} failed.`,
            [probe.text],
          )
        : fail(
            "app-kept-serving",
            "case-api kept serving during the drain",
            one
              ? `case-api runs ${replicasOf(app)} replica: draining its node is an outage (${probe.fail} requests failed).`
              : `${probe.fail} of ${probe.ok + probe.fail} requests failed during the drain.`,
            [probe.text],
          ),
    );
  }
  // 4. Stateful services: handled as their placement says.
  const pinned = services.filter(
    (svc) =>
      !movable.includes(svc) ||
      (svc.Spec.TaskTemplate?.Placement?.Constraints ?? []).some((c) => /stateful/.test(c)),
  );
  for (const svc of pinned) {
    const others = s.nodes.filter((n) => n.Description?.Hostname !== node && eligible(n, svc));
    const live = liveOn(s, svc);
    const pending = tasksOf(s, svc).filter(
      (t) => t.DesiredState === "running" && t.Status?.State === "pending",
    );
    const text = `${svc.Spec.Name}: constraints ${(svc.Spec.TaskTemplate?.Placement?.Constraints ?? []).join(", ") || "none"}; eligible besides ${node}: ${others.map((n) => n.Description?.Hostname).join(", ") || "none"}`;
    if (others.length === 0 && pending.length > 0 && !f.run.stoppedAt) {
      items.push(
        pass(
          `stateful-${svc.Spec.Name}`,
          `${svc.Spec.Name} handled as its placement says`,
          `${svc.Spec.Name} waits pending: no other node may hold its data (${pending[0]?.Status?.Err ?? "no suitable node"}).`,
          [text],
        ),
      );
    } else if (
      live.length === (replicasOf(svc) ?? 0) &&
      live.every((t) => eligible(s.nodes.find((n) => n.ID === t.NodeID) as SnapNode, svc))
    ) {
      items.push(
        pass(
          `stateful-${svc.Spec.Name}`,
          `${svc.Spec.Name} handled as its placement says`,
          `${svc.Spec.Name} runs on ${live.map((t) => hostnameOf(s, t.NodeID)).join(", ")}, a node its constraints allow.`,
          [text],
        ),
      );
    } else {
      items.push(
        fail(
          `stateful-${svc.Spec.Name}`,
          `${svc.Spec.Name} handled as its placement says`,
          `${svc.Spec.Name} runs ${live.length}/${replicasOf(svc)} and none pending for a reason its placement gives.`,
          [text],
        ),
      );
    }
  }
  return items;
}
