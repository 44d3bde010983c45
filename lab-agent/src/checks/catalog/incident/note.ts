import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectWorkspaceDoc,
  docEvidence,
  type WorkspaceDoc,
  WorkspacePath,
} from "../../collectors/workspace-doc.ts";
import { listItems, parseMarkdown, tableRows, tables } from "../../parsers/markdown-doc.ts";
import { readSections, type TemplateSection, textOf } from "../../parsers/markdown-sections.ts";

const Params = z.object({ file: WorkspacePath.default("reg-case-platform/ops/incident-note.md") }).strict();
type Params = z.infer<typeof Params>;

/** Where the note says why it happened (incident.restart-reason reads it too). */
export const CAUSE_SECTION: TemplateSection = {
  name: "Cause",
  key: /^(?:root )?causes?\b|^what (?:happened|caused)/,
};
/** The template's sections, and what postmortem templates (Google SRE, PagerDuty) call them. */
const SECTIONS: readonly TemplateSection[] = [
  { name: "Timeline", key: /^timeline\b/ },
  { name: "Impact", key: /^impact\b|^(?:customer|user) impact\b/ },
  CAUSE_SECTION,
  { name: "Detection", key: /^detection\b|^how (?:it was|we) (?:detected|found)/ },
  {
    name: "Actions",
    key: /^(?:follow-?up )?actions?\b|^action items\b|^follow-?ups?\b|^what we will change\b/,
  },
];
const TIME = /\b\d{1,2}:\d{2}(?::\d{2})?\b|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function evaluateNote(note: WorkspaceDoc): CheckOutcome {
  if (!note.found)
    return fail(`${note.path}: ${note.reason}.`, [
      docEvidence(note, "your incident note, from ops/templates/incident-note.md"),
    ]);
  const md = parseMarkdown(note.text);
  const source = `workspace: ${note.path}`;
  const problems: string[] = [];
  const evidence: Evidence[] = [];
  for (const { name, section, empty, words } of readSections(md, SECTIONS)) {
    evidence.push({
      source,
      field: name,
      observed: section ? (empty ? "empty" : `${words} words`) : "no such heading",
      expected: "filled in",
    });
    if (!section) problems.push(`no ${name} section`);
    else if (empty) problems.push(`its ${name} section is empty`);
    else if (name === "Timeline") {
      const entries = [
        ...listItems(section.content).map((i) => textOf(i.children)),
        ...tables(section.content).flatMap((t) =>
          tableRows(t)
            .slice(1)
            .map((r) => r.cells.join(" ")),
        ),
      ];
      const timed = entries.filter((e) => TIME.test(e));
      evidence.push({
        source,
        field: "Timeline: entries with a time",
        observed: timed.length,
        expected: "≥ 2 (first signal … recovery)",
      });
      if (timed.length < 2)
        problems.push(
          "its Timeline has fewer than two entries with a time (one list item or table row each)",
        );
    } else if (name === "Actions") {
      const items = [
        ...listItems(section.content),
        ...tables(section.content).flatMap((t) => tableRows(t).slice(1)),
      ];
      evidence.push({
        source,
        field: "Actions: items",
        observed: items.length,
        expected: "≥ 1, one list item each",
      });
      if (items.length === 0) problems.push("its Actions are prose, not a list of follow-ups");
    }
  }
  if (problems.length > 0)
    return fail(`The incident note is not complete: ${problems.join("; ")}.`, evidence);
  return pass(
    "The incident note has a timed Timeline, Impact, Cause, Detection and a list of Actions; whether it is a good analysis is the mentor's to judge.",
    evidence,
  );
}

export const incidentNote = defineCheck({
  id: "incident.note",
  title: "An incident note with the template's sections",
  kind: "snapshot",
  params: Params,
  watches: { objects: [], files: (p: Params) => [p.file] },
  collect: (ctx, p) => collectWorkspaceDoc(ctx, p.file),
  evaluate: evaluateNote,
});
