import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, normalize, posix } from "node:path";
import { z } from "zod";
import type { CheckContext } from "../check-definition.ts";
import type { Evidence } from "../check-result.ts";
import { linksIn, parseMarkdown } from "../parsers/markdown-doc.ts";

/** A workspace path: relative, no `..`. */
export const WorkspacePath = z
  .string()
  .regex(/^(?!\/)(?!.*\.\.)[\w./@-]+$/, "a path relative to the workspace");

/** Where a link in a learner's document points, as the lab resolved it when it was read. */
export type LinkTarget =
  | { kind: "file"; path: string; exists: boolean }
  | { kind: "check"; block: string; deliverable: string; exists: boolean }
  | { kind: "anchor" }
  | { kind: "external"; url: string };

export type WorkspaceDoc =
  | { path: string; found: false; reason: string }
  | { path: string; found: true; text: string; mtimeMs: number; links: Record<string, LinkTarget> };

/** `check:h17/rolling-update-succeeds`, or the page's `/hours/h17/#rolling-update-succeeds` (any host). */
const CHECK_REF = /^check:([a-z0-9-]+)\/([a-z0-9-]+)$/;
const PAGE_REF =
  /^(?:https?:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?)?\/hours\/([a-z0-9-]+)\/?#([a-z0-9-]+)$/;

/** The link forms a document may use to point at a check's result. */
export const CHECK_LINK_FORMS = "check:<block>/<deliverable> or /hours/<block>/#<deliverable>";

/**
 * Reads a Markdown document of the workspace and resolves its links: relative ones against the
 * document's folder (or `/workspace/…` on laptop), check references against the exercises.
 */
export async function collectWorkspaceDoc(ctx: CheckContext, path: string): Promise<WorkspaceDoc> {
  return ctx.memo(`workspace-doc:${path}`, async () => {
    const full = join(ctx.lab.workspace, path);
    let text: string;
    let mtimeMs: number;
    try {
      text = await readFile(full, "utf8");
      mtimeMs = statSync(full).mtimeMs;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      return {
        path,
        found: false,
        reason:
          code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a folder, not a file" : String(code),
      };
    }
    const doc = parseMarkdown(text);
    const known = await knownDeliverables();
    const links: Record<string, LinkTarget> = {};
    for (const l of linksIn([doc.root], doc.root)) {
      links[l.url] ??= resolveLink(l.url, path, known, (p) => existsSync(join(ctx.lab.workspace, p)));
    }
    return { path, found: true, text, mtimeMs, links };
  });
}

let deliverables: Promise<Set<string>> | undefined;
/** `<block>/<deliverable>` of every checked deliverable (loaded lazily: the exercises load the checks). */
function knownDeliverables(): Promise<Set<string>> {
  deliverables ??= import("../../exercises/load-exercises.ts").then(
    ({ loadAllExercises }) =>
      new Set(loadAllExercises().flatMap((ex) => ex.deliverables.map((d) => `${ex.block}/${d.id}`))),
  );
  return deliverables;
}

export function resolveLink(
  url: string,
  docPath: string,
  known: ReadonlySet<string>,
  exists: (workspacePath: string) => boolean,
): LinkTarget {
  const ref = CHECK_REF.exec(url) ?? PAGE_REF.exec(url);
  if (ref) {
    const [, block = "", deliverable = ""] = ref;
    return { kind: "check", block, deliverable, exists: known.has(`${block}/${deliverable}`) };
  }
  if (url.startsWith("#")) return { kind: "anchor" };
  if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith("//")) return { kind: "external", url };
  const clean = decodeURI(url.replace(/[#?].*$/, ""));
  const path = clean.startsWith("/workspace/")
    ? clean.slice("/workspace/".length)
    : clean.startsWith("/")
      ? clean.slice(1)
      : posix.join(dirname(docPath), clean);
  const norm = normalize(path).replace(/\/+$/, "");
  if (norm.startsWith("..")) return { kind: "file", path: url, exists: false };
  return { kind: "file", path: norm, exists: norm !== "" && exists(norm) };
}

export function docEvidence(doc: WorkspaceDoc, expected: string): Evidence {
  return {
    source: `workspace: ${doc.path}`,
    field: "(file)",
    observed: doc.found ? `${doc.text.split("\n").length} lines` : doc.reason,
    expected,
  };
}

/** What a link shows as evidence, and whether it points at something real. */
export function describeTarget(url: string, t: LinkTarget | undefined): { ok: boolean; text: string } {
  if (!t) return { ok: false, text: `${url}: not resolved` };
  switch (t.kind) {
    case "file":
      return { ok: t.exists, text: t.exists ? `file ${t.path}` : `${url}: no such file in the workspace` };
    case "check":
      return {
        ok: t.exists,
        text: t.exists
          ? `check result ${t.block}/${t.deliverable}`
          : `${url}: no deliverable ${t.deliverable} in block ${t.block}`,
      };
    case "anchor":
      return { ok: false, text: `${url}: a heading of the same document, not evidence` };
    case "external":
      return { ok: false, text: `${url}: outside the lab (the lab is offline; link a file or a check)` };
  }
}
