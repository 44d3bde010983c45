import type Docker from "dockerode";
import { sleep } from "../checks/engine-reads.ts";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import type { SnapService, SnapTask } from "./drill-types.ts";

// The drills' changes to a service's spec (a release, a limit) and their restores.

type TaskTemplate = NonNullable<SnapService["Spec"]["TaskTemplate"]>;

/** One part of a service's TaskTemplate: whether a template has the wanted value, and setting it. */
export interface SpecPart {
  has: (template: TaskTemplate) => boolean;
  set: (template: TaskTemplate) => void;
}

/**
 * Sets `part` in a service's spec, retried when the service changed meanwhile ("update out of
 * sequence", e.g. a rollback). Nothing when the spec has it already.
 */
export async function updateSpec(manager: Docker, service: string, part: SpecPart): Promise<void> {
  for (let i = 0; ; i++) {
    const svc = manager.getService(service);
    const full = (await svc.inspect()) as {
      Version: { Index: number };
      Spec: { TaskTemplate: TaskTemplate };
    };
    if (part.has(full.Spec.TaskTemplate)) return;
    part.set(full.Spec.TaskTemplate);
    try {
      await svc.update({ version: full.Version.Index, ...full.Spec } as unknown as Docker.ServiceSpec);
      return;
    } catch (err) {
      if (i >= 4 || !/out of sequence/i.test(errorMessage(err))) throw err;
    }
  }
}

/** The image as it stands (no digest resolution, like `--no-resolve-image`). */
export const imagePart = (image: string): SpecPart => ({
  has: (t) => t.ContainerSpec?.Image === image,
  set: (t) => {
    t.ContainerSpec = { ...t.ContainerSpec, Image: image };
  },
});

/** TaskTemplate.Resources exactly as inspected (an empty object is none). */
export const resourcesPart = (resources: Record<string, unknown>): SpecPart => ({
  has: (t) => JSON.stringify(t.Resources ?? {}) === JSON.stringify(resources),
  set: (t) => {
    t.Resources = resources;
  },
});

type SecretRefs = NonNullable<NonNullable<TaskTemplate["ContainerSpec"]>["Secrets"]>;
/** ContainerSpec.Secrets exactly so (references with their SecretID). */
export const secretsPart = (secrets: SecretRefs): SpecPart => ({
  has: (t) => JSON.stringify(t.ContainerSpec?.Secrets ?? []) === JSON.stringify(secrets),
  set: (t) => {
    t.ContainerSpec = { ...t.ContainerSpec, Secrets: secrets };
  },
});

/** The drills' releases and limits (their undo goes through `rollOut`). */
export const setServiceImage = (manager: Docker, service: string, image: string) =>
  updateSpec(manager, service, imagePart(image));
export const setServiceResources = (manager: Docker, service: string, resources: Record<string, unknown>) =>
  updateSpec(manager, service, resourcesPart(resources));

/**
 * Applies a restore and waits until Swarm has rolled it out: the spec has it and every task the
 * service wants runs with it. The spec alone is not enough: right after an update its status is
 * empty until the updater starts, and on a loaded host a new task may miss its monitor window, so
 * Swarm rolls the restore back to the drill's (or the learner's) change. That is re-applied.
 */
export async function rollOut(
  manager: Docker,
  service: string,
  part: SpecPart,
  what: string,
  { ms = 240_000, pollMs = 1000 } = {},
): Promise<void> {
  const apply = () => updateSpec(manager, service, part);
  const matches = part.has;
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
