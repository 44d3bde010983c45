/**
 * Reads a course page's steps from its MDX (the convention in site/PAGE-STEPS.md): every
 * `<RunCommand>`, every shell fence marked `step`, every fence with `file=`, and the page's
 * `<StartingPoint after>`, in document order. Parsed with micromark's MDX extension (the same
 * grammar @mdx-js/mdx uses), so a prop is read as the page's JSX says it, not by a regex.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Expression, Program } from "estree";
import type { Code, Nodes, Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { mdxFromMarkdown } from "mdast-util-mdx";
import type { MdxJsxAttribute, MdxJsxFlowElement, MdxJsxTextElement } from "mdast-util-mdx-jsx";
import { mdxjs } from "micromark-extension-mdxjs";
import { BLOCK_IDS, type BlockId, DRILL_IDS } from "../../src/course/course-outline.ts";
import { TERMINAL_NODES, type TerminalNode } from "../../src/course/lab-nodes.ts";

export const DOCS_DIR = new URL("../../../site/src/content/docs/", import.meta.url).pathname;

/** A terminal's node, or "host": the learner's own machine (a `sh step node=host` fence only). */
export type StepNode = TerminalNode | "host";

export interface CommandStep {
  kind: "command";
  /** 1-based source line, for the failure message. */
  line: number;
  cmd: string;
  node: StepNode;
  expect?: RegExp;
  exit: number;
  live: boolean;
  /** Seconds. */
  timeout: number;
}
export interface FileStep {
  kind: "file";
  line: number;
  path: string;
  node: TerminalNode;
  content: string;
}
/**
 * A `<StartingPoint>` after the page's first step (or one that forms the swarm): the state the
 * steps below it build on, reached as the learner is told to (`drydock solve <after>`, or
 * `drydock lab swarm` for `<StartingPoint swarm />`).
 */
export interface StartStep {
  kind: "start";
  line: number;
  after?: BlockId;
  swarm: boolean;
}
export type Step = CommandStep | FileStep | StartStep;

export interface PageSteps {
  /** e.g. "hours/h17", "drills/secret-rotation". */
  id: string;
  file: string;
  /** The block a `<StartingPoint after>` before the first step names: the page's starting point. */
  after?: BlockId;
  steps: Step[];
  /** Commands shown as illustration (not run), counted for the report. */
  illustrations: number;
}

export const DEFAULT_TIMEOUT = 240;
export const DEFAULT_LIVE_TIMEOUT = 15;

/** Every page under the docs folder, in course order: the hours, then the drills, then the rest. */
export function listPages(dir = DOCS_DIR): string[] {
  const all: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/\.mdx?$/.test(e.name)) all.push(relative(dir, join(d, e.name)).replace(/\.mdx?$/, ""));
    }
  };
  walk(dir);
  const rank = (id: string): number => {
    const [section, name] = id.split("/");
    if (section === "hours") return BLOCK_IDS.indexOf(name as BlockId);
    if (section === "drills") {
      const i = (DRILL_IDS as readonly string[]).indexOf(name ?? "");
      return 100 + (i < 0 ? 50 : i);
    }
    return 200;
  };
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function readPage(id: string, dir = DOCS_DIR): PageSteps {
  const file = [".mdx", ".md"].map((ext) => join(dir, id + ext)).find((f) => safeRead(f) !== undefined);
  if (!file) throw new Error(`no page ${id} under ${dir}`);
  return parsePage(id, readFileSync(file, "utf8"), file);
}

function safeRead(f: string): string | undefined {
  try {
    return readFileSync(f, "utf8");
  } catch {
    return undefined;
  }
}

export function parsePage(id: string, source: string, file = id): PageSteps {
  const body = stripFrontmatter(source);
  const tree = fromMarkdown(body.text, { extensions: [mdxjs()], mdastExtensions: [mdxFromMarkdown()] });
  const page: PageSteps = { id, file, steps: [], illustrations: 0 };
  const where = (n: Nodes): string => `${file}:${(n.position?.start.line ?? 0) + body.offset}`;
  const visit = (n: Nodes | Root): void => {
    if (n.type === "mdxJsxFlowElement" || n.type === "mdxJsxTextElement") {
      if (n.name === "RunCommand") {
        const step = runCommandStep(n, where(n), (n.position?.start.line ?? 0) + body.offset);
        if (step) page.steps.push(step);
        else page.illustrations++;
      } else if (n.name === "StartingPoint") {
        const p = props(n, where(n));
        const swarm = p.swarm === true;
        if (swarm === (p.after !== undefined))
          throw new Error(
            `${where(n)}: a <StartingPoint> names a block (after="h15-16") or is swarm, one of the two`,
          );
        if (!swarm && (typeof p.after !== "string" || !(BLOCK_IDS as readonly string[]).includes(p.after)))
          throw new Error(
            `${where(n)}: <StartingPoint after> must name a block, not ${JSON.stringify(p.after)}`,
          );
        const after = swarm ? undefined : (p.after as BlockId);
        // Before every other step: the page's starting point, solved before the page runs.
        if (after && page.after === undefined && page.steps.length === 0) page.after = after;
        else
          page.steps.push({ kind: "start", line: (n.position?.start.line ?? 0) + body.offset, after, swarm });
      }
    } else if (n.type === "code") {
      const step = fenceStep(n, where(n), (n.position?.start.line ?? 0) + body.offset);
      if (step) page.steps.push(step);
    }
    if ("children" in n) for (const c of n.children) visit(c as Nodes);
  };
  visit(tree);
  return page;
}

function stripFrontmatter(source: string): { text: string; offset: number } {
  const m = /^---\r?\n[\s\S]*?\r?\n---\r?\n/.exec(source);
  if (!m) return { text: source, offset: 0 };
  // Keep line numbers: the frontmatter becomes blank lines.
  return { text: "\n".repeat(m[0].split("\n").length - 1) + source.slice(m[0].length), offset: 0 };
}

type PropValue = string | number | boolean | undefined;

/** A JSX element's props: strings, numbers, booleans; an expression must be a literal or a template with no `${}`. */
function props(n: MdxJsxFlowElement | MdxJsxTextElement, where: string): Record<string, PropValue> {
  const out: Record<string, PropValue> = {};
  for (const a of n.attributes) {
    if (a.type !== "mdxJsxAttribute") throw new Error(`${where}: spread props are not read by the page test`);
    out[a.name] = propValue(a, where);
  }
  return out;
}

function propValue(a: MdxJsxAttribute, where: string): PropValue {
  if (a.value === null || a.value === undefined) return true;
  if (typeof a.value === "string") return a.value;
  const program = a.value.data?.estree as Program | undefined;
  const stmt = program?.body[0];
  const expr = stmt?.type === "ExpressionStatement" ? (stmt.expression as Expression) : undefined;
  if (expr?.type === "Literal" && ["string", "number", "boolean"].includes(typeof expr.value))
    return expr.value as string | number | boolean;
  if (expr?.type === "TemplateLiteral" && expr.expressions.length === 0)
    return expr.quasis[0]?.value.cooked ?? "";
  if (expr?.type === "UnaryExpression" && expr.operator === "-" && expr.argument.type === "Literal")
    return -Number(expr.argument.value);
  throw new Error(`${where}: prop ${a.name}={${a.value.value}} is not a literal the page test can read`);
}

function node(value: PropValue, where: string): TerminalNode {
  const v = value ?? "laptop";
  if (typeof v !== "string" || !(TERMINAL_NODES as readonly string[]).includes(v))
    throw new Error(`${where}: node must be one of ${TERMINAL_NODES.join(", ")}, not ${JSON.stringify(v)}`);
  return v as TerminalNode;
}

function num(value: PropValue, name: string, where: string, fallback: number): number {
  if (value === undefined) return fallback;
  const v = typeof value === "string" ? Number(value) : value;
  if (typeof v !== "number" || !Number.isInteger(v))
    throw new Error(`${where}: ${name} must be a whole number`);
  return v;
}

function regex(value: PropValue, where: string): RegExp | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`${where}: expect must be a string (a regular expression)`);
  return new RegExp(value, "m");
}

function commandFrom(
  p: Record<string, PropValue>,
  cmd: string,
  where: string,
  line: number,
  hostAllowed = false,
): CommandStep {
  const live = p.live === true || p.live === "true";
  return {
    kind: "command",
    line,
    cmd: cmd.trim(),
    node: hostAllowed && p.node === "host" ? "host" : node(p.node, where),
    expect: regex(p.expect, where),
    exit: num(p.exit, "exit", where, 0),
    live,
    timeout: num(p.timeout, "timeout", where, live ? DEFAULT_LIVE_TIMEOUT : DEFAULT_TIMEOUT),
  };
}

function runCommandStep(
  n: MdxJsxFlowElement | MdxJsxTextElement,
  where: string,
  line: number,
): Step | undefined {
  const p = props(n, where);
  if (typeof p.cmd !== "string") throw new Error(`${where}: <RunCommand> needs cmd`);
  if (p.illustration === true) return undefined;
  return commandFrom(p, p.cmd, where, line);
}

/** `sh step node=manager-1 exit=1`, `yaml file=reg-case-platform/stack.yml`: key=value words of a fence's meta. */
export function parseMeta(meta: string | null | undefined): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (const m of (meta ?? "").matchAll(/([A-Za-z][\w-]*)(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?/g)) {
    const key = m[1] as string;
    out[key] = m[2] ?? m[3] ?? m[4] ?? true;
  }
  return out;
}

function fenceStep(n: Code, where: string, line: number): Step | undefined {
  const meta = parseMeta(n.meta);
  if (typeof meta.file === "string") {
    const nodeName = node(meta.node === true ? undefined : meta.node, where);
    if (nodeName !== "laptop" && !meta.file.startsWith("/"))
      throw new Error(`${where}: a file on ${nodeName} needs an absolute path`);
    return { kind: "file", line, path: meta.file, node: nodeName, content: `${n.value}\n` };
  }
  if (meta.step === undefined) return undefined;
  if (!["sh", "bash", "shell", "console"].includes(n.lang ?? ""))
    throw new Error(`${where}: a step fence must be sh or bash, not ${n.lang}`);
  return commandFrom(meta, n.value, where, line, true);
}
