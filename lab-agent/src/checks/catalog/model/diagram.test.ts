import { describe, expect, it } from "vitest";
import { DIAGRAM_DIRS, type DiagramCandidate, evaluateDiagram } from "./diagram.ts";

const P = { dirs: DIAGRAM_DIRS };
const file = (path: string, head: string, size = head.length): DiagramCandidate => ({ path, size, head });
const MERMAID =
  "# Mental model\n\n```mermaid\nflowchart LR\n  Dockerfile --> Image --> Registry --> Swarm\n```\n";

/** [what it models, files found, status, summary]. */
const VARIANTS: Array<[string, DiagramCandidate[], "pass" | "fail", RegExp]> = [
  // right
  [
    "a PNG exported from a whiteboard app",
    [file("mental-model.png", "\x89PNG\r\n\x1a\n....", 48_000)],
    "pass",
    /PNG diagram/,
  ],
  [
    "an SVG",
    [
      file(
        "reg-case-platform/ops/diagram.svg",
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">',
      ),
    ],
    "pass",
    /SVG/,
  ],
  [
    "an SVG where the h01-02 page says to save it (docs/ at the workspace's top)",
    [file("docs/platform-diagram.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 800 600">')],
    "pass",
    /docs\/platform-diagram\.svg is a SVG/,
  ],
  [
    "a draw.io file",
    [file("reg-case-platform/docs/architecture.drawio", '<mxfile host="app.diagrams.net">')],
    "pass",
    /draw\.io/,
  ],
  [
    "an Excalidraw scene",
    [file("mental-model.excalidraw", '{"type": "excalidraw", "version": 2, "elements": []}')],
    "pass",
    /Excalidraw/,
  ],
  [
    "Markdown with a Mermaid flowchart",
    [file("reg-case-platform/ops/mental-model.md", MERMAID)],
    "pass",
    /Mermaid/,
  ],
  // wrong
  ["no diagram anywhere", [], "fail", /no diagram file/],
  ["an empty file, touched as a placeholder", [file("diagram.png", "", 0)], "fail", /not a real PNG/],
  [
    "a Markdown file with prose, no diagram",
    [file("mental-model.md", "# Mental model\n\nImages become containers.\n")],
    "fail",
    /not a real Mermaid/,
  ],
  [
    "a .png that is really an HTML error page (saved from a browser)",
    [file("diagram.png", "<!DOCTYPE html><html>")],
    "fail",
    /not a real PNG/,
  ],
  ["a Word document", [file("architecture.docx", "PK\x03\x04")], "fail", /not a diagram format/],
];

describe("model.diagram", () => {
  it("searches every folder the page and the hint name", () => {
    for (const dir of [".", "docs", "reg-case-platform/ops"]) expect(DIAGRAM_DIRS).toContain(dir);
  });
  it.each(VARIANTS)("%s", (_what, found, status, summary) => {
    const r = evaluateDiagram(found, P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
