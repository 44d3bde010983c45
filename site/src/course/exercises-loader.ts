import type { Loader } from "astro/loaders";
import { CHECKS } from "../../../lab-agent/src/checks/check-registry.ts";
import {
  EXERCISES_DIR,
  type LoadedExercise,
  loadAllExercises,
} from "../../../lab-agent/src/exercises/load-exercises.ts";
import type { ExerciseEntry } from "./course-schema.ts";

/**
 * The `exercises` content collection: one entry per exercises/<block>/exercise.yaml, read and
 * validated by the agent's own loader (a malformed file fails the build, naming the file, the
 * path in it and the reason). Deliverable titles on the pages come from here.
 * DRYDOCK_EXERCISES_DIR points elsewhere (tests).
 */
export function exercisesLoader(dir = process.env.DRYDOCK_EXERCISES_DIR || EXERCISES_DIR): Loader {
  return {
    name: "drydock-exercises",
    load: async ({ store, parseData, watcher, logger }) => {
      const sync = async () => {
        const entries = loadAllExercises(dir).map(toEntry);
        store.clear();
        for (const entry of entries) {
          store.set({ id: entry.block, data: await parseData({ id: entry.block, data: entry }) });
        }
      };
      await sync();
      // `astro dev`: an edited exercise file shows on the page (or its error in the terminal).
      watcher?.add(dir);
      watcher?.on("change", (file) => {
        if (!file.startsWith(dir) || !file.endsWith("exercise.yaml")) return;
        sync().catch((err: Error) => logger.error(err.message));
      });
    },
  };
}

export function toEntry(exercise: LoadedExercise): ExerciseEntry {
  return {
    block: exercise.block,
    title: exercise.title,
    hours: exercise.hours,
    rubricLevel: exercise.rubricLevel,
    deliverables: exercise.deliverables.map((d) => {
      const kind = CHECKS.get(d.check.id)?.kind;
      return {
        id: d.id,
        title: d.title,
        check: d.check.id,
        // Check engine v1 calls a probe a "drill" (the six fault-injection exercises are drills).
        kind: kind === "snapshot" || kind === "history" ? kind : "probe",
        needs: d.needs,
      };
    }),
  };
}
