import { z } from "zod";
import { CHECKS } from "../checks/check-registry.ts";
import { BLOCK_IDS, DELIVERABLE_ID, DELIVERABLE_ID_MESSAGE } from "../course/course-outline.ts";

// Block ids and the deliverable id form are the course model's (agent, CLI and site share them).
export { BLOCK_IDS } from "../course/course-outline.ts";
export const BlockId = z.enum(BLOCK_IDS);
export type BlockId = z.infer<typeof BlockId>;

const Kebab = z.string().regex(DELIVERABLE_ID, DELIVERABLE_ID_MESSAGE);

/** A JavaScript regular expression (no flags), matched against a result's text: see `evidenceText`. */
const Pattern = z
  .string()
  .min(1)
  .refine(
    (s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: "not a valid regular expression" },
  );

/** A file in the exercise folder: relative, no `..`. */
const FolderPath = z
  .string()
  .regex(/^[a-zA-Z0-9._-][a-zA-Z0-9._/-]*$/, "a path relative to the exercise folder")
  .refine((p) => !p.split("/").includes(".."), { message: "must stay inside the exercise folder" });

export const DeliverableSpec = z
  .object({
    id: Kebab,
    title: z.string().min(3),
    check: z
      .object({
        id: z.string().refine((id) => CHECKS.has(id), { message: "no check has this id" }),
        params: z.record(z.string(), z.unknown()).default({}),
      })
      .strict(),
    hint: z.string().min(10),
    /** Deliverables that must pass first; otherwise this one is skipped, with the reason. */
    needs: z.array(Kebab).default([]),
    /**
     * What this check's evidence shows on a fresh lab, where it must fail (a regex matched
     * against `evidenceText` of the result, with `drydock check --all`).
     */
    fresh: Pattern,
  })
  .strict()
  .superRefine((d, ctx) => {
    const def = CHECKS.get(d.check.id);
    if (!def) return;
    const parsed = def.params.safeParse(d.check.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({
          code: "custom",
          path: ["check", "params", ...issue.path.map(String)],
          message: issue.message,
        });
      }
    }
  });
export type DeliverableSpec = z.infer<typeof DeliverableSpec>;

/**
 * A realistic mistake: `drydock solve <block> --mistake <id>` solves the block, then runs the
 * script on laptop (cwd /workspace); the deliverable named must then fail, as `expect` says.
 */
export const MistakeSpec = z
  .object({
    /** Unique in the block, e.g. user-root. */
    id: Kebab,
    /** The one deliverable it must make fail (others are not asserted). */
    deliverable: Kebab,
    /** What the mistake is, in a sentence shown to people. */
    what: z.string().min(10),
    /**
     * A bash script in the exercise folder (e.g. mistakes/user-root.sh). It starts from the solved
     * state, may assume this block's (and earlier blocks') solve ran, and changes no more than it must.
     */
    script: FolderPath,
    /**
     * The lab test may make it straight on top of the previous mistake, with no solve between:
     * its script does not depend on what the earlier mistakes changed, and its deliverable's
     * expected failure is its own. Saves a solve (for hour 17, two rollouts) per mistake; a wrong
     * `stacks` shows as a failure whose summary or evidence does not match, never as a pass.
     */
    stacks: z.boolean().default(false),
    /** What the failing result must show: regexes matched against its summary and its `evidenceText`. */
    expect: z.object({ summary: Pattern, evidence: Pattern }).strict(),
  })
  .strict();
export type MistakeSpec = z.infer<typeof MistakeSpec>;

export const Exercise = z
  .object({
    block: BlockId,
    title: z.string().min(3),
    hours: z.array(z.number().int().min(1).max(20)).min(1).max(2),
    rubricLevel: z.number().int().min(1).max(6),
    /** The solve script and reference files, relative to the exercise folder. */
    solve: z
      .string()
      .regex(/^[a-zA-Z0-9._-]+$/)
      .default("solve.sh"),
    files: z.array(FolderPath).default([]),
    deliverables: z.array(DeliverableSpec).min(1),
    /** At least one per deliverable; tests make each and expect its deliverable to fail. */
    mistakes: z.array(MistakeSpec).min(1),
  })
  .strict()
  .superRefine((ex, ctx) => {
    const ids = ex.deliverables.map((d) => d.id);
    ex.deliverables.forEach((d, i) => {
      if (ids.indexOf(d.id) !== i)
        ctx.addIssue({ code: "custom", path: ["deliverables", i, "id"], message: `duplicate id ${d.id}` });
      d.needs.forEach((n, j) => {
        if (!ids.includes(n))
          ctx.addIssue({
            code: "custom",
            path: ["deliverables", i, "needs", j],
            message: `no deliverable ${n} in this block`,
          });
        else if (ids.indexOf(n) >= i)
          ctx.addIssue({
            code: "custom",
            path: ["deliverables", i, "needs", j],
            message: `${n} must come before ${d.id}`,
          });
      });
    });
    const mistakeIds = ex.mistakes.map((m) => m.id);
    ex.mistakes.forEach((m, i) => {
      if (mistakeIds.indexOf(m.id) !== i)
        ctx.addIssue({ code: "custom", path: ["mistakes", i, "id"], message: `duplicate id ${m.id}` });
      if (!ids.includes(m.deliverable))
        ctx.addIssue({
          code: "custom",
          path: ["mistakes", i, "deliverable"],
          message: `no deliverable ${m.deliverable} in this block`,
        });
    });
    ex.deliverables.forEach((d, i) => {
      if (!ex.mistakes.some((m) => m.deliverable === d.id))
        ctx.addIssue({
          code: "custom",
          path: ["deliverables", i, "id"],
          message: `no mistake makes ${d.id} fail: add one under mistakes`,
        });
    });
  });
export type Exercise = z.infer<typeof Exercise>;
