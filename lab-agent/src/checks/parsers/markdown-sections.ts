import type { Nodes, Root, RootContent } from "mdast";
import { toString as mdText } from "mdast-util-to-string";

/**
 * Reading a Markdown document by its headings, as the learner's review documents and notes are
 * judged: a section is a heading and what stands under it, whatever the heading's level; a
 * template's section is found by what its heading says (`## 2. Root cause:` is the Cause), and
 * is filled in when its text is more than the template's placeholder. Works on the mdast tree
 * that markdown-doc.ts parses (headings inside code fences are code, not sections).
 */
export interface Section {
  /** The heading's text as written (no `#`). */
  title: string;
  /** Lower case, numbering (`1.`, `2)`, `A.`) and trailing `:` removed, spaces collapsed. */
  key: string;
  depth: number;
  line: number;
  /** The nodes up to the next heading of the same or a higher level (sub-sections included). */
  content: RootContent[];
  /** The nodes up to the next heading of any level. */
  own: RootContent[];
}

/** The sections of a document, one per top-level heading, in document order. */
export function sectionsOf(root: Root): Section[] {
  const sections: Section[] = [];
  root.children.forEach((node, i) => {
    if (node.type !== "heading") return;
    const rest = root.children.slice(i + 1);
    const end = rest.findIndex((n) => n.type === "heading" && n.depth <= node.depth);
    const ownEnd = rest.findIndex((n) => n.type === "heading");
    const title = mdText(node).trim();
    sections.push({
      title,
      key: headingKey(title),
      depth: node.depth,
      line: node.position?.start.line ?? 0,
      content: end < 0 ? rest : rest.slice(0, end),
      own: ownEnd < 0 ? rest : rest.slice(0, ownEnd),
    });
  });
  return sections;
}

export function headingKey(title: string): string {
  return title
    .toLowerCase()
    .replace(/^\s*(?:\d+|[a-z]|[ivx]+)[.)]\s+/, "")
    .replace(/[:：]\s*$/, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The first section whose key matches. */
export function findSection(doc: { sections: readonly Section[] }, key: RegExp): Section | undefined {
  return doc.sections.find((s) => key.test(s.key));
}

/**
 * Every top-level node once, under the heading it stands under: first what comes before any
 * heading (`heading` undefined), then each section's own nodes (up to the next heading of any level).
 */
export function byHeading(root: Root): Array<{ heading?: Section; nodes: RootContent[] }> {
  const first = root.children.findIndex((n) => n.type === "heading");
  const before = first < 0 ? root.children : root.children.slice(0, first);
  return [{ nodes: before }, ...sectionsOf(root).map((s) => ({ heading: s, nodes: s.own }))];
}

/** A section a template has: its name in messages, and what its heading may say (matched against `key`). */
export interface TemplateSection {
  name: string;
  key: RegExp;
}

export interface SectionRead {
  name: string;
  /** The first section whose key matches; undefined when the document has no such heading. */
  section?: Section;
  /** Its text (sub-sections included), template comments left out; "" without the section. */
  text: string;
  /** Nothing but a placeholder (or nothing at all) under the heading, or no heading. */
  empty: boolean;
  words: number;
}

/** Each of a template's sections as the document has it: found, and filled in or not. */
export function readSections(
  doc: { sections: readonly Section[] },
  wanted: readonly TemplateSection[],
): SectionRead[] {
  return wanted.map(({ name, key }) => {
    const section = findSection(doc, key);
    const text = section ? textOf(section.content) : "";
    return { name, section, text, empty: isPlaceholder(text), words: text.split(/\s+/).length };
  });
}

/** Text of nodes, HTML comments (a template's guidance) left out. */
export function textOf(nodes: readonly Nodes[]): string {
  return nodes
    .filter((n) => n.type !== "html" || !/^\s*<!--[\s\S]*-->\s*$/.test(n.value))
    .map((n) => (n.type === "html" ? n.value.replace(/<!--[\s\S]*?-->/g, "") : plain(n)))
    .join("\n")
    .trim();
}

const BLOCKS = new Set(["root", "list", "listItem", "blockquote", "table", "footnoteDefinition"]);

/** A node's text: block children on their own lines, hard breaks as new lines, comments left out. */
export function plain(n: Nodes): string {
  if (n.type === "break") return "\n";
  if (n.type === "html") return n.value.replace(/<!--[\s\S]*?-->/g, "");
  if (n.type === "tableRow") return n.children.map(plain).join(" | ");
  if ("children" in n) return (n.children as Nodes[]).map(plain).join(BLOCKS.has(n.type) ? "\n" : "");
  return "value" in n ? n.value : mdText(n);
}

/** What a template leaves for the learner to replace: nothing, TODO, TBD, `…`, `<placeholder>`. */
export function isPlaceholder(text: string): boolean {
  const t = text.replace(/[\s*_`>-]+/g, " ").trim();
  if (t === "") return true;
  if (/^(?:todo|tbd|tbc|fixme|xxx|n\/a|none|\.\.\.|…|\?+|-+)\.?$/i.test(t)) return true;
  // `<…>` is judged with its closing `>` kept (above, `>` goes as a blockquote marker would).
  const angled = text
    .replace(/^(?:\s*>)+/gm, "")
    .replace(/[\s*_`-]+/g, " ")
    .trim();
  return /^<[^<>]{1,80}>$/.test(angled) || /^\[[^[\]]{1,80}\]$/.test(t);
}
