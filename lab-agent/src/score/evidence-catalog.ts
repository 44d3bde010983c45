import type { LoadedExercise } from "../exercises/load-exercises.ts";

/**
 * What the lab can judge today: every deliverable with a check in exercises/<block>/exercise.yaml,
 * keyed `<block>/<deliverable>`. A rubric item missing here is "not checked yet" (its block's page
 * lists it in frontmatter until its check lands). Drills Drydock runs are added by progress-report.ts.
 */
export interface CheckedItem {
  block: string;
  deliverable: string;
  title: string;
  check: string;
}

export function checkedItems(exercises: readonly LoadedExercise[]): Map<string, CheckedItem> {
  const items = new Map<string, CheckedItem>();
  for (const ex of exercises) {
    for (const d of ex.deliverables) {
      items.set(`${ex.block}/${d.id}`, {
        block: ex.block,
        deliverable: d.id,
        title: d.title,
        check: d.check.id,
      });
    }
  }
  return items;
}
