import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { repoRoot } from "../common/paths.ts";
import {
  BLOCK_IDS,
  BLOCKS,
  DELIVERABLE_ID,
  DELIVERABLE_ID_MESSAGE,
  DRILL_IDS,
  RUBRIC_LEVELS,
} from "../course/course-outline.ts";

/**
 * The maturity rubric (seed section 20) and the 20-hour plan (seed section 21), kept as data in
 * rubrics/ at the top of the repository and validated here. Level and block names come from the
 * course model (lab-agent/src/course/course-outline.ts): the data must agree with it.
 */
export const RUBRICS_DIR = join(repoRoot, "rubrics");

const BlockId = z.enum(BLOCK_IDS);
const DrillId = z.enum(DRILL_IDS);
const DeliverableId = z.string().regex(DELIVERABLE_ID, DELIVERABLE_ID_MESSAGE);

/** One piece of evidence a level needs: a block's deliverable or a drill. */
export const RubricItem = z.union([
  z
    .object({
      block: BlockId,
      deliverable: DeliverableId,
      /** No machine can judge it (a diagram, an ADR, a teach-back): a mentor signs it off. */
      mentor: z.boolean().default(false),
    })
    .strict(),
  z.object({ drill: DrillId, mentor: z.boolean().default(false) }).strict(),
]);
export type RubricItem = z.infer<typeof RubricItem>;

/** A stable key for an item: `<block>/<deliverable>` or `drill/<drill>` (used in results and sign-offs). */
export function itemKey(item: RubricItem): string {
  return "drill" in item ? `drill/${item.drill}` : `${item.block}/${item.deliverable}`;
}

export const RubricLevel = z
  .object({
    level: z.number().int().min(1).max(6),
    name: z.string().min(3),
    description: z.string().min(3),
    observable: z.string().min(3),
    evidence: z.array(RubricItem).min(1),
  })
  .strict();
export type RubricLevel = z.infer<typeof RubricLevel>;

export const Rubric = z
  .object({ levels: z.array(RubricLevel).length(RUBRIC_LEVELS.length), target: z.string().min(10) })
  .strict()
  .superRefine((rubric, ctx) => {
    const seen = new Map<string, number>();
    rubric.levels.forEach((l, i) => {
      const model = RUBRIC_LEVELS[i];
      if (model && (l.level !== model.level || l.name !== model.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["levels", i],
          message: `level ${i + 1} is ${model.level} — ${model.name} in the course model`,
        });
      }
      l.evidence.forEach((item, j) => {
        const key = itemKey(item);
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["levels", i, "evidence", j],
            message: `${key} is already evidence for level ${first}`,
          });
        }
        seen.set(key, l.level);
      });
    });
  });
export type Rubric = z.infer<typeof Rubric>;

export const PlanBlock = z
  .object({
    block: BlockId,
    hours: z.array(z.number().int().min(1).max(20)).min(1).max(2),
    title: z.string().min(3),
    /** The seed's own words for what the block delivers. */
    deliverables: z.array(z.string().min(3)).min(1),
    /** Commands the block practises. */
    practice: z.array(z.string().min(3)),
  })
  .strict();
export type PlanBlock = z.infer<typeof PlanBlock>;

export const PracticePlan = z
  .object({ totalHours: z.literal(20), blocks: z.array(PlanBlock).length(BLOCKS.length) })
  .strict()
  .superRefine((plan, ctx) => {
    plan.blocks.forEach((b, i) => {
      const model = BLOCKS[i];
      if (model && (b.block !== model.id || JSON.stringify(b.hours) !== JSON.stringify(model.hours))) {
        ctx.addIssue({
          code: "custom",
          path: ["blocks", i],
          message: `block ${i + 1} is ${model.id} (hours ${model.hours.join("-")}) in the course model`,
        });
      }
    });
    const hours = plan.blocks.reduce((n, b) => n + b.hours.length, 0);
    if (hours !== plan.totalHours) {
      ctx.addIssue({ code: "custom", path: ["blocks"], message: `the blocks cover ${hours} hours, not 20` });
    }
  });
export type PracticePlan = z.infer<typeof PracticePlan>;

function loadYaml<T>(file: string, schema: z.ZodType<T>): T {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (err) {
    throw badRubric(file, "(YAML)", (err as Error).message.split("\n")[0] ?? "not YAML");
  }
  const parsed = schema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRubric(file, issue?.path.join(".") || "(root)", issue?.message ?? "invalid");
  }
  return parsed.data;
}

function badRubric(file: string, path: string, reason: string): DrydockError {
  return new DrydockError(ErrorCode.badExercise, `${file} is invalid at ${path}: ${reason}.`, {
    hint: "Fix the file (rubrics/ is the course's data, validated by lab-agent/src/score/rubric-schema.ts).",
  });
}

export function loadRubric(dir = RUBRICS_DIR): Rubric {
  return loadYaml(join(dir, "maturity-rubric.yaml"), Rubric);
}

export function loadPracticePlan(dir = RUBRICS_DIR): PracticePlan {
  return loadYaml(join(dir, "practice-plan.yaml"), PracticePlan);
}
