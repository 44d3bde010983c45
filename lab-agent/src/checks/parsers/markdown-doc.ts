import type { Heading, List, ListItem, Nodes, Root, Table } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { toString as mdText } from "mdast-util-to-string";
import { gfm } from "micromark-extension-gfm";
import { parse as parseYaml } from "yaml";
import { type Section, sectionsOf, textOf } from "./markdown-sections.ts";

/**
 * A Markdown document as the learner's review documents are judged: parsed with a real
 * CommonMark + GFM parser (headings inside code fences are code, tables and task lists are
 * structure), split into sections by heading, whatever the heading's level (markdown-sections.ts
 * reads them).
 */
export interface MarkdownDoc {
  root: Root;
  /** YAML front matter (`---` … `---` at the very top), when there is one. */
  frontMatter: Record<string, unknown>;
  sections: Section[];
}

const FRONT = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

export function parseMarkdown(text: string): MarkdownDoc {
  let frontMatter: Record<string, unknown> = {};
  let body = text;
  const fm = FRONT.exec(text);
  if (fm) {
    try {
      const parsed: unknown = parseYaml(fm[1] ?? "");
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
        frontMatter = parsed as Record<string, unknown>;
    } catch {
      // Not YAML: left as text (a thematic break and a paragraph).
    }
    // Blank lines keep the line numbers of the rest as they are in the file.
    if (Object.keys(frontMatter).length > 0)
      body = "\n".repeat(fm[0].split("\n").length - 1) + text.slice(fm[0].length);
  }
  const root = fromMarkdown(body, { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] });
  return { root, frontMatter, sections: sectionsOf(root) };
}

/** The list items of nodes (nested lists included), in document order. */
export function listItems(nodes: readonly Nodes[]): ListItem[] {
  const out: ListItem[] = [];
  const walk = (n: Nodes) => {
    if (n.type === "listItem") out.push(n);
    if ("children" in n) for (const c of n.children as Nodes[]) walk(c);
  };
  for (const n of nodes) walk(n);
  return out;
}

/** A list item's own text (its nested lists left out). */
export function itemText(item: ListItem): string {
  return textOf(item.children.filter((c) => c.type !== "list"));
}

export function tables(nodes: readonly Nodes[]): Table[] {
  const out: Table[] = [];
  const walk = (n: Nodes) => {
    if (n.type === "table") out.push(n);
    else if ("children" in n) for (const c of n.children as Nodes[]) walk(c);
  };
  for (const n of nodes) walk(n);
  return out;
}

/** A table as rows of cell texts; the first row is its header. */
export function tableRows(t: Table): Array<{ cells: string[]; nodes: Nodes[]; line: number }> {
  return t.children.map((row) => ({
    cells: row.children.map((c) => mdText(c).trim()),
    nodes: row.children,
    line: row.position?.start.line ?? 0,
  }));
}

export interface Link {
  url: string;
  text: string;
}

/** Links in nodes: `[text](url)`, autolinks, and reference links resolved through their definitions. */
export function linksIn(nodes: readonly Nodes[], root: Root): Link[] {
  const defs = new Map<string, string>();
  const collectDefs = (n: Nodes) => {
    if (n.type === "definition") defs.set(n.identifier.toLowerCase(), n.url);
    if ("children" in n) for (const c of n.children as Nodes[]) collectDefs(c);
  };
  collectDefs(root);
  const out: Link[] = [];
  const walk = (n: Nodes) => {
    if (n.type === "link") out.push({ url: n.url, text: mdText(n) });
    else if (n.type === "linkReference") {
      const url = defs.get(n.identifier.toLowerCase());
      if (url) out.push({ url, text: mdText(n) });
    }
    if ("children" in n) for (const c of n.children as Nodes[]) walk(c);
  };
  for (const n of nodes) walk(n);
  return out;
}

export function isList(n: Nodes): n is List {
  return n.type === "list";
}

export function isHeading(n: Nodes): n is Heading {
  return n.type === "heading";
}
