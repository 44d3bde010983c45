import { defineCollection } from "astro:content";
import { docsLoader } from "@astrojs/starlight/loaders";
import { docsSchema } from "@astrojs/starlight/schema";
import { courseFields } from "./course/course-schema.ts";

// Starlight's frontmatter, extended with the course's own fields (block, hours, deliverables…).
export const collections = {
  docs: defineCollection({ loader: docsLoader(), schema: docsSchema({ extend: courseFields }) }),
};
