import type { Deliverable, ExerciseEntry } from "./course-schema.ts";

/** One line of a page's deliverables panel, and what the page says about who checks it. */
export interface PageDeliverable {
  id: string;
  title: string;
  /** lab: a check of the lab (exercise.yaml); not-yet: the lab will check it, no check exists yet. */
  checked: "lab" | "not-yet" | "document" | "mentor";
  /** For lab-checked ones: a probe runs only on Check now; the others re-run after lab events. */
  kind?: ExerciseEntry["deliverables"][number]["kind"];
}

export const CHECKED_TEXT: Record<PageDeliverable["checked"], string> = {
  lab: "checked in the lab",
  "not-yet": "not checked yet",
  document: "a file in your workspace, not checked yet",
  mentor: "a mentor signs it off",
};

/**
 * A page's deliverables: those its block's exercise.yaml checks (titles from the YAML), then
 * those its frontmatter lists without a check. "Checked in the lab" is derived from the model:
 * only a deliverable with a check says it. Throws on an id listed in both, or an hour page with none.
 */
export function pageDeliverables(
  page: { block?: string | undefined; deliverables: readonly Deliverable[] },
  exercise: ExerciseEntry | undefined,
): PageDeliverable[] {
  const checked: PageDeliverable[] = (exercise?.deliverables ?? []).map((d) => ({
    id: d.id,
    title: d.title,
    checked: "lab",
    kind: d.kind,
  }));
  const twice = page.deliverables.filter((d) => checked.some((c) => c.id === d.id)).map((d) => d.id);
  if (twice.length > 0) {
    throw new Error(
      `Block ${page.block}: ${twice.join(", ")} ${twice.length === 1 ? "is" : "are"} checked in exercises/${page.block}/exercise.yaml; remove ${twice.length === 1 ? "it" : "them"} from the page's frontmatter (titles come from the YAML).`,
    );
  }
  const rest: PageDeliverable[] = page.deliverables.map((d) => ({
    id: d.id,
    title: d.title,
    checked: d.checkedBy === "lab" ? "not-yet" : d.checkedBy,
  }));
  const all = [...checked, ...rest];
  if (page.block && all.length === 0) {
    throw new Error(
      `Block ${page.block} lists no deliverables (in its exercise.yaml or its page's frontmatter).`,
    );
  }
  return all;
}
