import { readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, fail, pass } from "../../check-result.ts";
import { WorkspacePath } from "../../collectors/workspace-doc.ts";

const Params = z
  .object({
    /** Folders of the workspace where the diagram may be (not searched below them). */
    dirs: z
      .array(WorkspacePath.or(z.literal(".")))
      .default([".", "docs", "reg-case-platform", "reg-case-platform/ops", "reg-case-platform/docs"]),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface DiagramCandidate {
  path: string;
  size: number;
  /** The first 4 KiB, as Latin-1 (enough for magic numbers and a Mermaid fence's start). */
  head: string;
}

const NAME = /diagram|mental[-_ ]?model|architecture/i;
const FORMATS: Array<{ ext: RegExp; what: string; real: (head: string) => boolean }> = [
  { ext: /\.png$/i, what: "PNG", real: (h) => h.startsWith("\x89PNG") },
  { ext: /\.jpe?g$/i, what: "JPEG", real: (h) => h.startsWith("\xff\xd8") },
  { ext: /\.svg$/i, what: "SVG", real: (h) => /<svg[\s>]/.test(h) },
  { ext: /\.pdf$/i, what: "PDF", real: (h) => h.startsWith("%PDF") },
  { ext: /\.drawio$|\.drawio\.xml$/i, what: "draw.io", real: (h) => /<mxfile|<mxGraphModel/.test(h) },
  {
    ext: /\.excalidraw$|\.excalidraw\.json$/i,
    what: "Excalidraw",
    real: (h) => /"type"\s*:\s*"excalidraw"/.test(h),
  },
  {
    ext: /\.(?:md|mmd|mermaid)$/i,
    what: "Mermaid",
    real: (h) => /(?:^```mermaid\s*$|^\s*(?:flowchart|graph)\s+(?:TD|TB|LR|RL|BT)\b)[\s\S]*-->/m.test(h),
  },
];

/** Where the page and the hint tell the learner to save it, and where real projects keep one. */
export const DIAGRAM_DIRS = Params.parse({}).dirs;

export function evaluateDiagram(found: DiagramCandidate[], p: Params): CheckOutcome {
  const judged = found.map((c) => {
    const format = FORMATS.find((f) => f.ext.test(c.path));
    const ok = format !== undefined && c.size > 0 && format.real(c.head);
    return { c, format, ok };
  });
  const evidence = [
    {
      source: `workspace: ${p.dirs.join(", ")}`,
      field: "diagram files (name has diagram, mental-model or architecture)",
      observed: judged.map(
        (j) =>
          `${j.c.path} (${j.c.size} bytes): ${j.ok ? j.format?.what : j.format ? `not a real ${j.format.what} file` : "not a diagram format"}`,
      ),
      expected: "a .png, .svg, .jpg, .pdf, .drawio, .excalidraw, or .md with a Mermaid diagram",
    },
  ];
  const good = judged.find((j) => j.ok);
  if (good)
    return pass(
      `${good.c.path} is a ${good.format?.what} diagram; whether it is right is the mentor's to judge.`,
      evidence,
    );
  if (judged.length === 0)
    return fail(
      "There is no diagram file in the workspace (a name with diagram, mental-model or architecture).",
      evidence,
    );
  return fail(`No diagram file is a real diagram: ${evidence[0]?.observed.join("; ")}.`, evidence);
}

export const diagramPresent = defineCheck({
  id: "model.diagram",
  title: "The one-page mental-model diagram is in the workspace",
  kind: "snapshot",
  params: Params,
  watches: { objects: [], files: () => [] },
  async collect(ctx, p): Promise<DiagramCandidate[]> {
    const out: DiagramCandidate[] = [];
    for (const dir of p.dirs) {
      let names: string[] = [];
      try {
        names = readdirSync(join(ctx.lab.workspace, dir));
      } catch {
        continue;
      }
      for (const n of names.filter((x) => NAME.test(x))) {
        const rel = dir === "." ? n : `${dir}/${n}`;
        const full = join(ctx.lab.workspace, rel);
        const st = statSync(full);
        if (!st.isFile()) continue;
        const head = (await readFile(full)).subarray(0, 4096).toString("latin1");
        out.push({ path: rel, size: st.size, head });
      }
    }
    return out;
  },
  evaluate: evaluateDiagram,
});
