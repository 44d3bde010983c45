import { z } from "astro/zod";

/**
 * The course's own frontmatter fields, added to Starlight's schema with `docsSchema({ extend })`.
 * Block and deliverable ids are stable: the check engine and saved progress refer to them.
 * (astro/zod is zod 3, which is what Starlight's schema is built with.)
 */

/** The 20-hour plan (seed section 21): one page per block, at /hours/<id>/. */
export const BLOCKS = [
  { id: "h01-02", hours: [1, 2], title: "Rebuild the mental model" },
  { id: "h03-04", hours: [3, 4], title: "Dockerfile mastery" },
  { id: "h05-06", hours: [5, 6], title: "Runtime lifecycle" },
  { id: "h07-08", hours: [7, 8], title: "Networking and storage" },
  { id: "h09-10", hours: [9, 10], title: "Compose dev stack" },
  { id: "h11-12", hours: [11, 12], title: "Compose test harness" },
  { id: "h13-14", hours: [13, 14], title: "Supply chain evidence" },
  { id: "h15-16", hours: [15, 16], title: "Swarm stack deploy" },
  { id: "h17", hours: [17], title: "Rolling update and rollback" },
  { id: "h18", hours: [18], title: "Security hardening review" },
  { id: "h19", hours: [19], title: "Observability and incident drill" },
  { id: "h20", hours: [20], title: "Final review and teach-back" },
] as const;

export type Block = (typeof BLOCKS)[number];
export const BLOCK_IDS = BLOCKS.map((b) => b.id) as [Block["id"], ...Block["id"][]];

/** The six failure drills (seed section 17), at /drills/<id>/. */
export const DRILL_IDS = [
  "container-crash",
  "bad-image-rollout",
  "node-drain",
  "secret-rotation",
  "resource-pressure",
  "registry-outage",
] as const;

export const BlockId = z.enum(BLOCK_IDS);
export const DrillId = z.enum(DRILL_IDS);

const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export const Deliverable = z
  .object({
    /** Stable kebab-case id, e.g. `image-non-root`: checks and progress are keyed by it. */
    id: z.string().regex(KEBAB, "a deliverable id is kebab-case, e.g. image-non-root"),
    /** What the learner produces, in one line. */
    title: z.string().min(3),
    /** Who can tell it is done: the live lab, a file in the workspace, or a mentor. */
    checkedBy: z.enum(["lab", "document", "mentor"]),
  })
  .strict();
export type Deliverable = z.infer<typeof Deliverable>;

/** The maturity rubric's six levels (seed section 20). */
export const RUBRIC_LEVELS = [
  { level: 1, name: "Command user" },
  { level: 2, name: "Compose user" },
  { level: 3, name: "Image engineer" },
  { level: 4, name: "Runtime engineer" },
  { level: 5, name: "Platform engineer" },
  { level: 6, name: "Systems engineer" },
] as const;

export const courseFields = z
  .object({
    /** Set on the hour pages only: which block of the plan this page teaches. */
    block: BlockId.optional(),
    /** The plan's hours this page covers, e.g. [3, 4]. */
    hours: z.array(z.number().int().min(1).max(20)).min(1).max(2).optional(),
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
    if (page.deliverables.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["deliverables"],
        message: "an hour page lists its deliverables",
      });
    }
  });
export type CourseFields = z.infer<typeof courseFields>;
