import { z } from "astro/zod";
import {
  BLOCK_IDS,
  BLOCKS,
  DELIVERABLE_ID,
  DELIVERABLE_ID_MESSAGE,
  DRILL_IDS,
  JUDGES,
} from "../../../lab-agent/src/course/course-outline.ts";

/**
 * The course's own content schemas, built on the course model (lab-agent/src/course): block,
 * drill and deliverable ids are defined there once, for the agent, the CLI and this site.
 * (astro/zod is zod 3, which is what Astro 5's content layer and Starlight's schema are built with.)
 */
export {
  BLOCK_IDS,
  BLOCKS,
  type Block,
  DRILL_IDS,
  RUBRIC_LEVELS,
} from "../../../lab-agent/src/course/course-outline.ts";

export const BlockId = z.enum(BLOCK_IDS);
export const DrillId = z.enum(DRILL_IDS);
const DeliverableId = z.string().regex(DELIVERABLE_ID, DELIVERABLE_ID_MESSAGE);

/**
 * A deliverable the lab does not check yet, listed in a page's frontmatter. One with a check is
 * listed in exercises/<block>/exercise.yaml instead (the `exercises` collection), never here too:
 * when its check arrives, it moves there.
 */
export const Deliverable = z
  .object({
    /** Stable kebab-case id, e.g. `image-non-root`: checks and progress are keyed by it. */
    id: DeliverableId,
    /** What the learner produces, in one line. */
    title: z.string().min(3),
    /** Who will judge it: a check of the live lab (not written yet), a file in the workspace, or a mentor. */
    checkedBy: z.enum(JUDGES),
  })
  .strict();
export type Deliverable = z.infer<typeof Deliverable>;

export const courseFields = z
  .object({
    /** Set on the hour pages only: which block of the plan this page teaches. */
    block: BlockId.optional(),
    /** The plan's hours this page covers, e.g. [3, 4]. */
    hours: z.array(z.number().int().min(1).max(20)).min(1).max(2).optional(),
    /** The deliverables with no check yet (those with one come from the block's exercise.yaml). */
    deliverables: z.array(Deliverable).default([]),
    /** The rubric level (1-6) whose evidence this page's deliverables build. */
    rubricLevel: z.number().int().min(1).max(6).optional(),
    drill: DrillId.optional(),
    /** Show the lab dock (lab status and terminals) beside the text. */
    lab: z.boolean().default(false),
  })
  .superRefine((page, ctx) => {
    const seen = new Set<string>();
    page.deliverables.forEach((d, i) => {
      if (seen.has(d.id)) {
        ctx.addIssue({ code: "custom", path: ["deliverables", i, "id"], message: `duplicate id ${d.id}` });
      }
      seen.add(d.id);
    });
    if (!page.block) return;
    const block = BLOCKS.find((b) => b.id === page.block);
    if (block && JSON.stringify(page.hours) !== JSON.stringify(block.hours)) {
      ctx.addIssue({
        code: "custom",
        path: ["hours"],
        message: `block ${block.id} covers hours ${JSON.stringify(block.hours)}`,
      });
    }
    if (page.rubricLevel === undefined) {
      ctx.addIssue({ code: "custom", path: ["rubricLevel"], message: "an hour page names its rubric level" });
    }
  });
export type CourseFields = z.infer<typeof courseFields>;

/**
 * One entry of the `exercises` collection: what the site shows of exercises/<block>/exercise.yaml,
 * after the agent's own schema (lab-agent/src/exercises/exercise-schema.ts) has validated the file.
 */
export const ExerciseEntry = z.object({
  block: BlockId,
  title: z.string(),
  hours: z.array(z.number()),
  rubricLevel: z.number(),
  deliverables: z.array(
    z.object({
      id: DeliverableId,
      title: z.string(),
      /** The check's id, e.g. `image.user.nonroot`. */
      check: z.string(),
      /** snapshot and history checks re-run after lab events; a probe runs only on Check now. */
      kind: z.enum(["snapshot", "probe", "history"]),
      needs: z.array(z.string()),
    }),
  ),
});
export type ExerciseEntry = z.infer<typeof ExerciseEntry>;
