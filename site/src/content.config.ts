import { defineCollection } from "astro:content";
import { docsLoader } from "@astrojs/starlight/loaders";
import { docsSchema } from "@astrojs/starlight/schema";
import { courseFields, ExerciseEntry } from "./course/course-schema.ts";
import { exercisesLoader } from "./course/exercises-loader.ts";

export const collections = {
  // Starlight's frontmatter, extended with the course's own fields (block, hours, deliverables…).
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema({ extend: courseFields }) }),
  // exercises/<block>/exercise.yaml: the checked deliverables of each block, their titles and checks.
  exercises: defineCollection({ loader: exercisesLoader(), schema: ExerciseEntry }),
};
