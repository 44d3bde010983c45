import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  collectWorkspaceDoc,
  docEvidence,
  type WorkspaceDoc,
  WorkspacePath,
} from "../../collectors/workspace-doc.ts";
import { itemText, listItems, parseMarkdown, tableRows, tables } from "../../parsers/markdown-doc.ts";
import { isPlaceholder, textOf } from "../../parsers/markdown-sections.ts";

const Params = z
  .object({
    file: WorkspacePath.default("reg-case-platform/ops/risks.md"),
    count: z.number().int().min(1).max(10).default(3),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface Risk {
  title: string;
  line: number;
  likelihood: string | null;
  impact: string | null;
  mitigation: string | null;
}

const FIELDS = {
  likelihood: /^(?:likelihood|probability|chance|how likely)\b/i,
  impact: /^(?:impact|severity|consequence)s?\b/i,
  mitigation: /^(?:mitigation|mitigations|next step|next steps|response|treatment|action|plan)\b/i,
} as const;
type Field = keyof typeof FIELDS;

/** A rating a reader can compare: low/medium/high (and kin), a 1-5 score, a percentage. */
const RATING =
  /^(?:very\s+|quite\s+)?(?:low|medium|med|moderate|high|critical|severe|minor|major|rare|unlikely|possible|likely|almost certain|certain)\b|^[1-5](?:\s*\/\s*5)?\b|^\d{1,3}\s*%/i;

function fieldOf(label: string): Field | undefined {
  const k = label.replace(/[*_`]/g, "").trim();
  return (Object.keys(FIELDS) as Field[]).find((f) => FIELDS[f].test(k));
}

/** `Likelihood: high` as a list item, a line, or bold label; the value after the colon. */
function fieldsInText(text: string): Partial<Record<Field, string>> {
  const out: Partial<Record<Field, string>> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*[-*]?\s*([^:：]{3,30})[:：]\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = fieldOf(m[1] ?? "");
    if (f && out[f] === undefined) out[f] = (m[2] ?? "").trim();
  }
  return out;
}

/** The risks: one per heading under the document's title, or one per table row. */
export function parseRisks(text: string): Risk[] {
  const md = parseMarkdown(text);
  const risks: Risk[] = [];
  for (const t of tables([md.root])) {
    const [head, ...rows] = tableRows(t);
    const cols = (head?.cells ?? []).map((c) => fieldOf(c));
    if (!cols.includes("likelihood") && !cols.includes("impact")) continue;
    const titleCol = cols.indexOf(undefined);
    for (const row of rows) {
      const get = (f: Field) => {
        const i = cols.indexOf(f);
        return i < 0 ? null : (row.cells[i] ?? "").trim();
      };
      risks.push({
        title: row.cells[Math.max(titleCol, 0)] ?? "",
        line: row.line,
        likelihood: get("likelihood"),
        impact: get("impact"),
        mitigation: get("mitigation"),
      });
    }
  }
  if (risks.length > 0) return risks;
  // A single list, one risk per item with its fields as nested items.
  for (const item of listItems(md.root.children).filter((i) => i.children.some((c) => c.type === "list"))) {
    const f = fieldsInText(textOf(item.children.filter((c) => c.type === "list")));
    if (Object.keys(f).length === 0) continue;
    risks.push({
      title: itemText(item),
      line: item.position?.start.line ?? 0,
      likelihood: f.likelihood ?? null,
      impact: f.impact ?? null,
      mitigation: f.mitigation ?? null,
    });
  }
  if (risks.length > 0) return risks;
  // Headings: the deepest level that has fields under it is the risks' level.
  const candidates = md.sections.filter((s) => Object.keys(fieldsOfNodes(s.own)).length > 0);
  for (const s of candidates) {
    const f = fieldsOfNodes(s.own);
    risks.push({
      title: s.title,
      line: s.line,
      likelihood: f.likelihood ?? null,
      impact: f.impact ?? null,
      mitigation: f.mitigation ?? null,
    });
  }
  return risks;
}

function fieldsOfNodes(nodes: Parameters<typeof textOf>[0]): Partial<Record<Field, string>> {
  return fieldsInText(
    nodes
      .flatMap((n) => (n.type === "list" ? listItems([n]).map((i) => itemText(i)) : [textOf([n])]))
      .join("\n"),
  );
}

function problemsOf(r: Risk): string[] {
  const out: string[] = [];
  if (isPlaceholder(r.title) || /^risk\s*\d*\s*[:：]?\s*(?:<.*>)?$/i.test(r.title.trim()))
    out.push("no title saying what could go wrong");
  for (const f of ["likelihood", "impact"] as const) {
    const v = r[f];
    if (v === null) out.push(`no ${f}`);
    else if (isPlaceholder(v) || v.includes("|")) out.push(`${f} not filled in`);
    else if (!RATING.test(v.replace(/^[*_]+/, "")))
      out.push(`${f} "${v.slice(0, 20)}" is not a rating (low/medium/high or 1-5)`);
  }
  if (r.mitigation === null) out.push("no mitigation");
  else if (isPlaceholder(r.mitigation) || r.mitigation.split(/\s+/).length < 3)
    out.push("mitigation not filled in");
  return out;
}

export function evaluateRisks(doc: WorkspaceDoc, p: Params): CheckOutcome {
  if (!doc.found)
    return fail(`${doc.path}: ${doc.reason}.`, [docEvidence(doc, "your risks, from ops/templates/risks.md")]);
  const source = `workspace: ${doc.path}`;
  const risks = parseRisks(doc.text);
  const judged = risks.map((r) => ({ r, problems: problemsOf(r) }));
  const good = judged.filter((j) => j.problems.length === 0);
  const titles = new Set(
    good.map((j) =>
      j.r.title
        .toLowerCase()
        .replace(/^risk\s*\d+\s*[:：.-]\s*/, "")
        .trim(),
    ),
  );
  const evidence: Evidence[] = [
    {
      source,
      field: "risks",
      observed: judged.map(
        (j) =>
          `line ${j.r.line}: ${j.r.title.slice(0, 50)} — likelihood ${j.r.likelihood ?? "-"}, impact ${j.r.impact ?? "-"}${j.problems.length ? ` (${j.problems.join(", ")})` : ""}`,
      ),
      expected: `${p.count} risks, each with likelihood, impact and mitigation`,
    },
  ];
  if (risks.length === 0)
    return fail(
      "No risk with a likelihood, impact or mitigation was found (a heading per risk with `Likelihood:` lines, or a table).",
      evidence,
    );
  const bad = judged.filter((j) => j.problems.length > 0);
  if (good.length < p.count || titles.size < p.count) {
    const why =
      bad.length > 0
        ? `${bad[0]?.r.title.slice(0, 40) || `line ${bad[0]?.r.line}`}: ${bad[0]?.problems.join(", ")}`
        : titles.size < good.length
          ? "two risks have the same title"
          : `only ${good.length} listed`;
    return fail(
      `${Math.min(good.length, titles.size)} of the ${p.count} risks are complete (${why}).`,
      evidence,
    );
  }
  return pass(
    `${good.length} risks, each with a likelihood, an impact and a mitigation; whether they are the right ones is the mentor's to judge.`,
    evidence,
  );
}

export const threeRisks = defineCheck({
  id: "review.risks",
  title: "Remaining risks, each with likelihood, impact and mitigation",
  kind: "snapshot",
  params: Params,
  watches: { objects: [], files: (p: Params) => [p.file] },
  collect: (ctx, p) => collectWorkspaceDoc(ctx, p.file),
  evaluate: evaluateRisks,
});
