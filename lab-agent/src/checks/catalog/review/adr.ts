import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectWorkspaceDoc,
  docEvidence,
  type WorkspaceDoc,
  WorkspacePath,
} from "../../collectors/workspace-doc.ts";
import { listItems, type MarkdownDoc, parseMarkdown } from "../../parsers/markdown-doc.ts";
import {
  findSection,
  isPlaceholder,
  readSections,
  type Section,
  type TemplateSection,
  textOf,
} from "../../parsers/markdown-sections.ts";

const Params = z
  .object({
    file: WorkspacePath.default("reg-case-platform/ops/adr-0001-runtime.md"),
    /** Invariants are rules a reviewer can check: at least this many, one list item each. */
    minInvariants: z.number().int().min(1).max(20).default(3),
  })
  .strict();
type Params = z.infer<typeof Params>;

/** The seed's template sections (section 19), and the names other ADR styles (MADR, Nygard) give them. */
const SECTIONS: readonly TemplateSection[] = [
  { name: "Context", key: /^context(?: and problem statement)?\b|^(?:problem|background)\b/ },
  { name: "Decision", key: /^decision(?: outcome)?$|^decision\b(?!.*driver)/ },
  { name: "Consequences", key: /^consequences\b/ },
  { name: "Invariants", key: /^invariants?\b|^(?:guardrails|rules that must (?:stay|hold) true)\b/ },
];
const STATUS_VALUE = /^\**(proposed|accepted|rejected|deprecated|superseded|draft)\b/i;

export interface AdrStatus {
  /** Where the status was written: a `Status` section, a `Status: …` line, or front matter. */
  where: string;
  value: string | null;
}

/** The status, wherever the ADR style puts it. */
export function adrStatus(doc: MarkdownDoc): AdrStatus | undefined {
  const front = doc.frontMatter.status;
  if (typeof front === "string") return { where: "front matter status:", value: front.trim() };
  const section = findSection(doc, /^status$/);
  if (section)
    return { where: `heading "${section.title}" (line ${section.line})`, value: textOf(section.own) || null };
  for (const node of doc.root.children) {
    if (node.type !== "paragraph" && node.type !== "list") continue;
    const text = textOf([node]);
    const m = /^[-*\s]*status\s*[:：]\s*(.*)$/im.exec(text);
    if (m)
      return {
        where: `line "${m[0].trim()}" (line ${node.position?.start.line ?? 0})`,
        value: (m[1] ?? "").trim() || null,
      };
  }
  return undefined;
}

export function evaluateAdr(doc: WorkspaceDoc, p: Params): CheckOutcome {
  if (!doc.found)
    return fail(`${doc.path}: ${doc.reason}.`, [docEvidence(doc, "your ADR, from ops/templates/adr.md")]);
  const md = parseMarkdown(doc.text);
  const source = `workspace: ${doc.path}`;
  const evidence: Evidence[] = [
    {
      source,
      field: "headings",
      observed: md.sections.map((s) => `${"#".repeat(s.depth)} ${s.title}`),
      expected: "Status, Context, Decision, Consequences, Invariants",
    },
  ];
  const problems: string[] = [];

  const status = adrStatus(md);
  evidence.push({
    source,
    field: "Status",
    observed: status ? `${status.value ?? "(empty)"} — ${status.where}` : "not found",
    expected: "one of Proposed, Accepted, Rejected, Deprecated, Superseded by …",
  });
  if (!status) problems.push("it has no Status (a `## Status` section or a `Status: Accepted` line)");
  else if (!status.value) problems.push("its Status is empty");
  else if (/\|/.test(status.value.split("\n")[0] ?? ""))
    problems.push(`its Status is still the template's choices ("${status.value.slice(0, 50)}"): keep one`);
  else if (!STATUS_VALUE.test(status.value.trim()))
    problems.push(
      `its Status "${status.value.slice(0, 40)}" is not Proposed, Accepted, Rejected, Deprecated or Superseded`,
    );

  const filled = new Map<string, Section>();
  for (const { name, section, empty, words } of readSections(md, SECTIONS)) {
    if (!section) {
      problems.push(`it has no ${name} section`);
      evidence.push({
        source,
        field: name,
        observed: "no such heading",
        expected: "a heading with its content",
      });
      continue;
    }
    if (!empty) filled.set(name, section);
    evidence.push({
      source,
      field: name,
      observed: empty
        ? `empty (heading "${section.title}", line ${section.line})`
        : `${words} words from line ${section.line}`,
      expected: "filled in",
    });
    if (empty) problems.push(`its ${name} section is empty`);
  }
  const inv = filled.get("Invariants");
  if (inv) {
    const rules = listItems(inv.content).filter((i) => !isPlaceholder(textOf(i.children)));
    evidence.push({
      source,
      field: "Invariants: rules listed",
      observed: rules.length,
      expected: `≥ ${p.minInvariants}, one list item each`,
    });
    if (rules.length < p.minInvariants)
      problems.push(
        rules.length === 0
          ? "its Invariants are prose, not a list of rules a reviewer can check one by one"
          : `it lists ${rules.length} invariant${rules.length === 1 ? "" : "s"}; the platform's needs at least ${p.minInvariants}`,
      );
  }
  if (problems.length > 0) return fail(`The ADR is not complete: ${problems.join("; ")}.`, evidence);
  return pass(
    `The ADR has a Status (${status?.value?.split("\n")[0]}) and filled Context, Decision, Consequences and Invariants sections; whether its reasoning holds is the mentor's to judge.`,
    evidence,
  );
}

export const adrWritten = defineCheck({
  id: "review.adr",
  title: "An ADR with the template's sections filled in",
  kind: "snapshot",
  params: Params,
  watches: { objects: [], files: (p: Params) => [p.file] },
  collect: (ctx, p) => collectWorkspaceDoc(ctx, p.file),
  evaluate: evaluateAdr,
});
