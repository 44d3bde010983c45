import { nodeExec, proberEvidence } from "./drill-runner.ts";
import type { DrillDefinition, DrillFacts, DrillItem, SnapTask } from "./drill-types.ts";
import { setServiceImage } from "./service-updates.ts";
import { serviceNamed, tasksOf } from "./timeline.ts";
import { after, cantTell, fail, line, pass, secs, updateSettled } from "./verify-helpers.ts";

const svcName = (f: DrillFacts) => `${String(f.run.params.stack ?? "reg-case")}_case-api`;

/**
 * Builds the bad release on laptop: the running image with APP_PORT=8081, so the app listens where
 * the stack's own healthcheck (127.0.0.1:8080/ready) never looks. Pushed by digest.
 */
const BUILD = `set -e
printf 'FROM %s\\nENV APP_PORT=8081\\nLABEL io.drydock.drill=bad-image-rollout\\n' "$1" | docker build -q -t registry:5000/reg-case-platform:drill-bad - >/dev/null
docker push -q registry:5000/reg-case-platform:drill-bad >/dev/null
docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' registry:5000/reg-case-platform:drill-bad | grep '^registry:5000/reg-case-platform@' | head -n1`;

export const badImageRollout: DrillDefinition = {
  id: "bad-image-rollout",
  title: "roll out a release whose healthcheck fails",
  needs: [],
  learner: [
    "docker service update --image registry:5000/reg-case-platform:drill-bad reg-case_case-api",
    "docker service ps reg-case_case-api --no-trunc",
    "docker service inspect reg-case_case-api --pretty",
  ],
  preconditions: () => [],
  waitMs: 300_000,
  async inject(env, run, snap) {
    const svc = serviceNamed(snap, `${env.stack}_case-api`);
    const good = svc?.Spec.TaskTemplate?.ContainerSpec?.Image;
    if (!svc || !good) throw new Error("case-api has no image");
    env.progress("Building the bad release on laptop (the running image, listening on 8081)…");
    const from = good.replace(/^(registry:5000\/[^:@]+):[^@]+@/, "$1@");
    const built = await nodeExec(env.lab, "laptop", ["bash", "-c", BUILD, "build", from]);
    const bad = built.stdout.trim();
    if (built.code !== 0 || !bad)
      throw new Error(`the bad release did not build: ${built.stderr.trim().slice(0, 300)}`);
    run.params = { ...run.params, stack: env.stack, goodImage: good, badImage: bad };
    run.undo.push({ kind: "service-image", service: svc.Spec.Name as string, image: good });
    env.save();
    env.note(`docker service update --image ${bad} ${svc.Spec.Name}`);
    await setServiceImage(await env.lab.engine("manager-1"), svc.ID, bad);
    run.injectedAt = new Date().toISOString();
  },
  settled: (f) => updateSettled(f, svcName(f)),
  verify: verifyBadImage,
};

const imageOf = (t: SnapTask) => t.Spec?.ContainerSpec?.Image ?? "";
const digest = (ref: string) => /@(sha256:[0-9a-f]{64})/.exec(ref)?.[1] ?? ref;

export function verifyBadImage(f: DrillFacts): DrillItem[] {
  const name = svcName(f);
  const svc = serviceNamed(f.snapshot, name);
  const bad = digest(String(f.run.params.badImage ?? ""));
  const good = digest(String(f.run.params.goodImage ?? ""));
  const updates = after(f.timeline, f.run.injectedAt).filter(
    (e) => e.kind === "update" && e.service === name,
  );
  const states = updates.map((e) => e.state ?? "");
  const policy = svc?.Spec.UpdateConfig ?? {};
  const action = policy.FailureAction ?? "pause";
  const monitor = secs(policy.Monitor);
  const policyText = `update_config: failure_action ${action}, monitor ${monitor || "unset"} s, max_failure_ratio ${policy.MaxFailureRatio ?? 0}, order ${policy.Order ?? "stop-first"}`;
  const badTasks = f.timeline.filter(
    (e) => e.kind === "task" && e.service === name && digest(e.image ?? "") === bad,
  );
  const badFailed = badTasks.filter(
    (e) => ["failed", "shutdown", "rejected"].includes(e.state ?? "") || /unhealthy/.test(e.message ?? ""),
  );
  const unhealthy = f.timeline.filter(
    (e) => e.kind === "container" && e.service === name && e.action === "health_status: unhealthy",
  );
  const items: DrillItem[] = [];
  if (updates.length === 0 || !states.some((s) => s === "updating")) {
    return [
      cantTell(
        "update-started",
        "The rolling update started",
        "no update of case-api was recorded after the release.",
        updates.map(line),
      ),
    ];
  }
  items.push(
    pass(
      "update-started",
      "The rolling update started",
      `case-api began updating to ${bad.slice(0, 19)}….`,
      updates.slice(0, 2).map(line),
    ),
  );
  // The monitor window caught the failing task.
  const caught = states.some((s) => /paused|rollback/.test(s));
  if (monitor === 0) {
    items.push(
      fail(
        "monitor-caught",
        "The monitor window caught the failure",
        `monitor is not set: Swarm takes a task that starts as a good one, before its healthcheck has a say.`,
        [policyText],
      ),
    );
  } else if (caught && (badFailed.length > 0 || unhealthy.length > 0)) {
    items.push(
      pass(
        "monitor-caught",
        "The monitor window caught the failure",
        `A task of the bad release failed its healthcheck within the ${monitor} s monitor: ${updates.find((e) => /paused|rollback/.test(e.state ?? ""))?.message ?? ""}`,
        [...unhealthy.slice(0, 2).map(line), ...badFailed.slice(0, 3).map(line), policyText],
      ),
    );
  } else if ((policy.MaxFailureRatio ?? 0) > 0 && (badFailed.length > 0 || unhealthy.length > 0)) {
    items.push(
      fail(
        "monitor-caught",
        "The monitor window caught the failure",
        `Tasks of the bad release failed within the monitor, but max_failure_ratio ${policy.MaxFailureRatio} tolerated them: the update ended ${states.at(-1)}.`,
        [...unhealthy.slice(0, 2).map(line), ...badFailed.slice(0, 2).map(line), policyText],
      ),
    );
  } else {
    items.push(
      fail(
        "monitor-caught",
        "The monitor window caught the failure",
        `The update ended ${states.at(-1)} without a failure being caught (${policyText}).`,
        [...updates.map(line), policyText],
      ),
    );
  }
  // Rolled back or paused per policy.
  const last = svc?.UpdateStatus?.State ?? states.at(-1) ?? "";
  const perPolicy =
    (action === "rollback" && last === "rollback_completed") || (action === "pause" && /paused/.test(last));
  items.push(
    action === "continue"
      ? fail(
          "per-policy",
          "The update rolled back or paused per policy",
          `failure_action is continue: there is no rollback policy, the update went on (${last}).`,
          [policyText],
        )
      : perPolicy
        ? pass(
            "per-policy",
            "The update rolled back or paused per policy",
            `failure_action ${action}: the update ended ${last}.`,
            [policyText, ...updates.map(line)],
          )
        : fail(
            "per-policy",
            "The update rolled back or paused per policy",
            `failure_action ${action}, but the update ended ${last || "unknown"}.`,
            [policyText, ...updates.map(line)],
          ),
  );
  // The previous digest kept serving, measured by the prober.
  const probe = proberEvidence(f.run);
  const running = tasksOf(f.snapshot, svc).filter(
    (t) => t.DesiredState === "running" && t.Status?.State === "running",
  );
  const runningGood = running.filter((t) => digest(imageOf(t)) === good);
  const addrImage = new Map<string, string>();
  for (const t of tasksOf(f.snapshot, svc))
    for (const a of t.NetworksAttachments ?? [])
      for (const x of a.Addresses ?? []) addrImage.set(x.split("/")[0] ?? "", digest(imageOf(t)));
  const answeredByBad = probe
    ? Object.entries(f.run.prober?.byAddress ?? {}).filter(
        ([a]) => addrImage.get(a) === bad && (f.run.prober?.byAddress[a]?.ok ?? 0) > 0,
      )
    : [];
  const serving = `running now: ${running.map((t) => `${t.ID.slice(0, 12)} ${digest(imageOf(t)).slice(0, 19)}`).join(", ") || "none"}`;
  if (!probe) {
    items.push(
      cantTell(
        "previous-kept-serving",
        "The previous version kept serving",
        "the prober's counters could not be read.",
        [serving],
      ),
    );
  } else if (
    probe.ok > 0 &&
    probe.fail <= Math.max(2, 0.05 * (probe.ok + probe.fail)) &&
    answeredByBad.length === 0 &&
    (running.length === 0 || runningGood.length === running.length || running.length === 0)
  ) {
    items.push(
      pass(
        "previous-kept-serving",
        "The previous version kept serving",
        `${probe.ok} requests answered by the previous digest ${good.slice(0, 19)}…, ${probe.fail} failed.`,
        [probe.text, serving],
      ),
    );
  } else {
    items.push(
      fail(
        "previous-kept-serving",
        "The previous version kept serving",
        `${probe.fail} of ${probe.ok + probe.fail} requests failed; ${runningGood.length} of ${running.length} running tasks run the previous digest.`,
        [probe.text, serving],
      ),
    );
  }
  return items;
}
