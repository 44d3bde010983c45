import { docsSchema } from "@astrojs/starlight/schema";
import { z } from "astro/zod";
import { courseFields } from "./course-schema.ts";

/**
 * Validates one page's frontmatter with exactly the schema the build uses, outside a build
 * (tests, scripts). Returns one line per problem: `<file>: <field>: <message>`.
 */
const schema = docsSchema({ extend: courseFields })({
  // Only Starlight's `hero.image` uses the image helper; a path string stands in for it here.
  image: () => z.string(),
} as unknown as Parameters<ReturnType<typeof docsSchema>>[0]);

export function validatePage(file: string, frontmatter: unknown): string[] {
  const result = schema.safeParse(frontmatter);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join(".") : "(frontmatter)";
    return `${file}: ${field}: ${issue.message}`;
  });
}
