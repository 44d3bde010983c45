import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../../common/paths.ts";
import { loadAllExercises } from "../../../exercises/load-exercises.ts";
import { type LinkTarget, resolveLink, type WorkspaceDoc } from "../../collectors/workspace-doc.ts";
import { linksIn, parseMarkdown } from "../../parsers/markdown-doc.ts";

/** The h20 solve's documents: what the reference answer looks like. */
export function solved(name: string): string {
  return readFileSync(join(repoRoot, "exercises", "h20", "ops", name), "utf8");
}

export function template(name: string): string {
  return readFileSync(join(repoRoot, "exercises", "reg-case-platform", "ops", "templates", name), "utf8");
}

const KNOWN = new Set(loadAllExercises().flatMap((ex) => ex.deliverables.map((d) => `${ex.block}/${d.id}`)));

/** Files of a workspace where the starter app and the h20 documents are (h17's release log is not). */
export const STARTER_FILES = new Set(
  [
    "package.json",
    "package-lock.json",
    "README.md",
    "migrations/README.md",
    "ops/adr-0001-runtime.md",
    "ops/risks.md",
    "ops/release-checklist.md",
  ].map((f) => `reg-case-platform/${f}`),
);

/** A document as collectWorkspaceDoc reads it, its links resolved against `files`. */
export function doc(
  path: string,
  text: string | null,
  files: ReadonlySet<string> = STARTER_FILES,
): WorkspaceDoc {
  if (text === null) return { path, found: false, reason: "no such file" };
  const md = parseMarkdown(text);
  const links: Record<string, LinkTarget> = {};
  for (const l of linksIn([md.root], md.root))
    links[l.url] ??= resolveLink(l.url, path, KNOWN, (p) => files.has(p));
  return { path, found: true, text, mtimeMs: 0, links };
}
