import { z } from "zod";
import { CHECKS } from "../checks/check-registry.ts";

export const BLOCK_IDS = [
  "h01-02",
  "h03-04",
  "h05-06",
  "h07-08",
  "h09-10",
  "h11-12",
  "h13-14",
  "h15-16",
  "h17",
  "h18",
  "h19",
  "h20",
] as const;
export const BlockId = z.enum(BLOCK_IDS);
export type BlockId = z.infer<typeof BlockId>;

const Kebab = z
  .string()
  .regex(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, "a deliverable id is kebab-case, e.g. image-non-root");

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
    /** The realistic mistake `drydock solve <block> --mistake <id>` makes, which must fail this check. */
    mistake: z.string().min(10).optional(),
    // TEMPORARY (rollout helper): lets a v2 exercise.yaml load until core's v2 schema lands; take core's.
    fresh: z.string().min(1).optional(),
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
    files: z.array(z.string().regex(/^[a-zA-Z0-9._-][a-zA-Z0-9._/-]*$/)).default([]),
    deliverables: z.array(DeliverableSpec).min(1),
    // TEMPORARY (rollout helper): v2 `mistakes:` accepted unchecked until core's v2 schema lands.
    mistakes: z.array(z.record(z.string(), z.unknown())).optional(),
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
  });
export type Exercise = z.infer<typeof Exercise>;
