import type { Nodes } from "mdast";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  CHECK_LINK_FORMS,
  collectWorkspaceDoc,
  describeTarget,
  docEvidence,
  type LinkTarget,
  type WorkspaceDoc,
  WorkspacePath,
} from "../../collectors/workspace-doc.ts";
import {
  itemText,
  linksIn,
  listItems,
  parseMarkdown,
  tableRows,
  tables,
} from "../../parsers/markdown-doc.ts";
import { byHeading, headingKey } from "../../parsers/markdown-sections.ts";

const Params = z
  .object({ file: WorkspacePath.default("reg-case-platform/ops/release-checklist.md") })
  .strict();
type Params = z.infer<typeof Params>;

/** Seed section 18: each group's items, found by what their text must mention. */
export const SEED_CHECKLIST: ReadonlyArray<{ group: string; items: ReadonlyArray<[string, RegExp]> }> = [
  {
    group: "Source",
    items: [
      ["Git commit is known", /\bcommit\b/],
      ["Dockerfile reviewed", /dockerfile/],
      ["Compose/stack file reviewed", /compose|stack/],
      ["Migration plan reviewed", /migration/],
      ["Rollback compatibility reviewed", /rollback|roll back/],
      ["New secrets/configs identified", /secret|config/],
      ["Capacity impact estimated", /capacity/],
    ],
  },
  {
    group: "Build",
    items: [
      ["Build uses BuildKit/buildx", /buildkit|buildx/],
      ["Image is tagged with commit SHA", /\btag(?:ged)?\b|\bsha\b/],
      ["Image digest is recorded", /digest/],
      ["SBOM generated", /sbom/],
      ["Provenance generated where available", /provenance/],
      ["Vulnerability/policy scan reviewed", /vulnerab|scan/],
      ["Base image is approved", /base image|base\b/],
    ],
  },
  {
    group: "Test",
    items: [
      ["Unit tests pass", /unit/],
      ["Integration tests pass using image artifact", /integration/],
      ["Migration test pass", /migration/],
      ["Healthcheck tested", /health/],
      ["Container starts as non-root", /non-?root|root/],
      ["Read-only filesystem compatibility tested", /read-?only/],
      ["Compose test stack cleaned up", /clean|torn down|tear|leftover|down -v/],
    ],
  },
  {
    group: "Deploy",
    items: [
      ["Swarm manager quorum healthy", /quorum/],
      ["Nodes have enough capacity for start-first update", /capacity|start-first/],
      ["Stack config rendered and reviewed", /render|stack config/],
      ["Secrets/configs exist", /secret/],
      ["External dependencies reachable", /external|dependenc|reachable/],
      ["docker stack deploy executed from manager", /stack deploy|manager/],
      ["Convergence monitored", /converg/],
    ],
  },
  {
    group: "Verify",
    items: [
      ["Service replicas desired = running", /replica/],
      ["Healthchecks passing", /health/],
      ["Smoke test passing", /smoke/],
      ["Logs free from immediate errors", /\blogs?\b/],
      ["Metrics normal", /metric/],
      ["No unexpected restarts", /restart/],
      ["Release evidence archived", /evidence|archiv/],
    ],
  },
  {
    group: "Rollback",
    items: [
      ["Previous image digest known", /previous|digest/],
      ["docker service rollback path known", /service rollback|rollback path/],
      ["Data/schema rollback risk understood", /schema|data/],
      ["Secret/config rollback path known", /secret|config/],
      ["Incident owner assigned", /owner|incident/],
    ],
  },
];
const GROUPS = SEED_CHECKLIST.map((g) => g.group.toLowerCase());

/** One answerable line of the checklist: a list item or a table row. */
export interface ChecklistEntry {
  group: string | null;
  line: number;
  text: string;
  ticked: boolean;
  links: string[];
}

const NA = /\b(?:n\/a|not applicable)\b\s*(?:[:—–-]|because\b)?\s*(.*)$/is;
const DONE_CELL = /^(?:\[x\]|x|✅|✔️?|☑️?|done|yes|ok|passed|pass)$/i;

/** The entries of a checklist, in document order, with the group heading (or column) they are under. */
export function checklistEntries(text: string): ChecklistEntry[] {
  const md = parseMarkdown(text);
  const out: ChecklistEntry[] = [];
  const groupOf = (s: string, strict = false) => {
    const k = headingKey(s)
      .replace(/[^a-z ]/g, "")
      .trim();
    return GROUPS.find((g) => k === g || (!strict && (k.startsWith(`${g} `) || k.endsWith(` ${g}`)))) ?? null;
  };
  for (const { heading, nodes } of byHeading(md.root)) {
    const group = heading ? groupOf(heading.title) : null;
    for (const node of nodes) {
      if (node.type === "list") {
        for (const item of listItems([node])) {
          if (item.children.some((c) => c.type === "list") && item.checked == null) continue;
          out.push({
            group,
            line: item.position?.start.line ?? 0,
            text: itemText(item),
            ticked: item.checked === true,
            links: linksIn(item.children.filter((c) => c.type !== "list") as Nodes[], md.root).map(
              (l) => l.url,
            ),
          });
        }
      }
      if (node.type === "table") {
        for (const t of tables([node])) {
          const [, ...rows] = tableRows(t);
          for (const row of rows) {
            const cellGroup = row.cells.map((c) => groupOf(c, true)).find((g) => g !== null) ?? null;
            const itemCell =
              row.cells.find((c) => groupOf(c, true) === null && c.split(/\s+/).length >= 2) ??
              row.cells[0] ??
              "";
            out.push({
              group: cellGroup ?? group,
              line: row.line,
              text: row.cells.filter((c) => c !== "").join(" — ") || itemCell,
              ticked: row.cells.some((c) => DONE_CELL.test(c.trim())),
              links: linksIn(row.nodes, md.root).map((l) => l.url),
            });
          }
        }
      }
    }
  }
  return out;
}

export type Answer =
  | { kind: "done"; evidence: string[] }
  | { kind: "n/a"; reason: string }
  | { kind: "unanswered"; why: string };

/** How an entry is answered: done with evidence that exists, not applicable with a reason, or not. */
export function answerOf(e: ChecklistEntry, links: Record<string, LinkTarget>): Answer {
  const na = NA.exec(e.text);
  if (na && !e.ticked) {
    const reason = (na[1] ?? "").replace(/^[\s.,;:—–-]+/, "").trim();
    if (reason.split(/\s+/).filter((w) => /\w/.test(w)).length < 3)
      return { kind: "unanswered", why: "N/A without a reason" };
    return { kind: "n/a", reason };
  }
  if (!e.ticked) return { kind: "unanswered", why: na ? "ticked and N/A at once" : "not ticked" };
  if (e.links.length === 0) return { kind: "unanswered", why: "ticked without a link to evidence" };
  const targets = e.links.map((u) => describeTarget(u, links[u]));
  const ok = targets.filter((t) => t.ok);
  if (ok.length === 0) return { kind: "unanswered", why: targets.map((t) => t.text).join("; ") };
  return { kind: "done", evidence: ok.map((t) => t.text) };
}

export function evaluateChecklist(doc: WorkspaceDoc): CheckOutcome {
  if (!doc.found)
    return fail(`${doc.path}: ${doc.reason}.`, [
      docEvidence(doc, "your checklist, from ops/templates/release-checklist.md"),
    ]);
  const source = `workspace: ${doc.path}`;
  const entries = checklistEntries(doc.text);
  const anyGroup = entries.some((e) => e.group !== null);
  const used = new Set<ChecklistEntry>();
  const missing: string[] = [];
  const unanswered: string[] = [];
  let done = 0;
  let na = 0;
  const sample: string[] = [];
  for (const g of SEED_CHECKLIST) {
    for (const [name, re] of g.items) {
      const entry = entries.find(
        (e) =>
          !used.has(e) && (!anyGroup || e.group === g.group.toLowerCase()) && re.test(e.text.toLowerCase()),
      );
      if (!entry) {
        missing.push(`${g.group}: ${name}`);
        continue;
      }
      used.add(entry);
      const a = answerOf(entry, doc.links);
      if (a.kind === "unanswered") unanswered.push(`line ${entry.line} (${g.group}: ${name}): ${a.why}`);
      else if (a.kind === "done") {
        done++;
        if (sample.length < 3) sample.push(`${name} → ${a.evidence[0]}`);
      } else na++;
    }
  }
  // Items the learner added are answered like the others.
  for (const e of entries) {
    if (used.has(e)) continue;
    const a = answerOf(e, doc.links);
    if (a.kind === "unanswered") unanswered.push(`line ${e.line} (${e.text.slice(0, 40)}): ${a.why}`);
  }
  const total = SEED_CHECKLIST.reduce((n, g) => n + g.items.length, 0);
  const evidence: Evidence[] = [
    {
      source,
      field: "items of seed section 18 found",
      observed: total - missing.length,
      expected: String(total),
    },
    {
      source,
      field: "done with evidence / not applicable with a reason",
      observed: `${done} / ${na}`,
      expected: `${total} answered`,
    },
  ];
  if (missing.length > 0)
    evidence.push({
      source,
      field: "items missing",
      observed: missing.slice(0, 8),
      expected: "every item of the seed's checklist, under its group heading",
    });
  if (unanswered.length > 0)
    evidence.push({
      source,
      field: "items not answered",
      observed: unanswered.slice(0, 8),
      expected: `[x] with a link to a workspace file or a check (${CHECK_LINK_FORMS}), or N/A: <reason>`,
    });
  if (sample.length > 0) evidence.push({ source, field: "evidence linked (first items)", observed: sample });
  if (entries.length === 0)
    return fail("The checklist has no items: neither a list nor a table of the seed's items.", evidence);
  if (missing.length > 0 || unanswered.length > 0) {
    const parts = [
      missing.length > 0 ? `${missing.length} of the ${total} items are missing (first: ${missing[0]})` : "",
      unanswered.length > 0
        ? `${unanswered.length} ${unanswered.length === 1 ? "is" : "are"} not answered (first: ${unanswered[0]})`
        : "",
    ].filter(Boolean);
    return fail(`The release checklist is not complete: ${parts.join("; ")}.`, evidence);
  }
  return pass(
    `All ${total} items are answered: ${done} done with evidence that exists, ${na} not applicable with a reason.`,
    evidence,
  );
}

export const releaseChecklist = defineCheck({
  id: "review.release-checklist",
  title: "The seed's release checklist, every item answered with evidence or a reason",
  kind: "snapshot",
  params: Params,
  watches: { objects: [], files: (p: Params) => [p.file] },
  collect: (ctx, p) => collectWorkspaceDoc(ctx, p.file),
  evaluate: (doc) => evaluateChecklist(doc),
});
