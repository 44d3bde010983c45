import type Docker from "dockerode";
import { sleep } from "../checks/engine-reads.ts";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import type { SnapService, SnapTask } from "./drill-types.ts";

// The drills' changes to a service's spec (a release, a limit) and their restores.

/**
 * A service's image changed through its spec, as it stands (no digest resolution, like
 * `--no-resolve-image`): the drills' releases and their undo. Nothing when it already runs it.
 */
export async function setServiceImage(manager: Docker, service: string, image: string): Promise<void> {
  const svc = manager.getService(service);
  const full = (await svc.inspect()) as {
    Version: { Index: number };
    Spec: { TaskTemplate: { ContainerSpec: { Image?: string } } };
  };
  if (full.Spec.TaskTemplate.ContainerSpec.Image === image) return;
  full.Spec.TaskTemplate.ContainerSpec.Image = image;
  await svc.update({ version: full.Version.Index, ...full.Spec } as unknown as Docker.ServiceSpec);
}

/**
 * A service's TaskTemplate.Resources set to `resources` (as inspected: an empty object is none),
 * retried when the service changed meanwhile. Nothing when they are equal already.
 */
export async function setServiceResources(
  manager: Docker,
  service: string,
  resources: Record<string, unknown>,
): Promise<void> {
  for (let i = 0; ; i++) {
    const svc = manager.getService(service);
    const full = (await svc.inspect()) as {
      Version: { Index: number };
      Spec: { TaskTemplate: { Resources?: Record<string, unknown> } };
    };
    if (JSON.stringify(full.Spec.TaskTemplate.Resources ?? {}) === JSON.stringify(resources)) return;
    full.Spec.TaskTemplate.Resources = resources;
    try {
      await svc.update({ version: full.Version.Index, ...full.Spec } as unknown as Docker.ServiceSpec);
      return;
    } catch (err) {
      if (i >= 4 || !/out of sequence/i.test(errorMessage(err))) throw err;
    }
  }
}

type TaskTemplate = NonNullable<SnapService["Spec"]["TaskTemplate"]>;

/**
 * Applies a restore and waits until Swarm has rolled it out: the spec has it and every task the
 * service wants runs with it. The spec alone is not enough: right after an update its status is
 * empty until the updater starts, and on a loaded host a new task may miss its monitor window, so
 * Swarm rolls the restore back to the drill's (or the learner's) change. That is re-applied.
 */
export async function rollOut(
  manager: Docker,
  service: string,
  matches: (template: TaskTemplate) => boolean,
  apply: () => Promise<void>,
  what: string,
  { ms = 240_000, pollMs = 1000 } = {},
): Promise<void> {
  await apply();
  const until = Date.now() + ms;
  let applied = 1;
  let seen = "";
  while (Date.now() < until) {
    const svc = (await manager.getService(service).inspect()) as SnapService;
    const state = svc.UpdateStatus?.State ?? "";
    let tasksSeen = "";
    if (!matches(svc.Spec.TaskTemplate ?? {})) {
      // Rolled back (or changed by someone): once Swarm has finished with it, apply it again.
      if (state !== "rollback_started" && state !== "updating" && applied < 4) {
        applied++;
        await apply();
      }
    } else if (state !== "updating" && state !== "rollback_started") {
      const tasks = (await manager.listTasks({
        filters: { service: [service], "desired-state": ["running"] },
      })) as unknown as SnapTask[];
      const want = svc.Spec.Mode?.Replicated?.Replicas;
      const ok = tasks.filter((t) => t.Status?.State === "running" && matches(t.Spec ?? {}));
      if (ok.length === tasks.length && (want === undefined || ok.length === want)) return;
      tasksSeen = `${ok.length} of ${want ?? tasks.length} task(s) run with it, `;
    }
    seen = `${tasksSeen}update ${state || "not started"}${svc.UpdateStatus?.Message ? ` (${svc.UpdateStatus.Message})` : ""}`;
    await sleep(pollMs);
  }
  throw new DrydockError(
    ErrorCode.labState,
    `${service} did not take ${what} back within ${ms / 1000} s (applied ${applied} time(s); ${seen}).`,
    {
      hint: `Look at \`docker service ps --no-trunc ${service}\` for why its new tasks fail, then run the drill's stop again: it restores what is left.`,
    },
  );
}
