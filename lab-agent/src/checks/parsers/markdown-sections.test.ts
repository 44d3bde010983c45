import { describe, expect, it } from "vitest";
import { parseMarkdown } from "./markdown-doc.ts";
import {
  byHeading,
  findSection,
  headingKey,
  isPlaceholder,
  readSections,
  sectionsOf,
  textOf,
} from "./markdown-sections.ts";

const NOTE = `# Incident 2026-12-01: case-api restarting

Owner: on-call

## 1. Timeline:

- 21:02 first 502
- 21:09 recovered

### Raw log

\`\`\`
# not a heading: a comment in a shell transcript
\`\`\`

## Root cause

<!-- What Swarm recorded: exit code, OOM, failed healthcheck -->

Impact
======

TODO
`;

describe("sections of a Markdown document", () => {
  const md = parseMarkdown(NOTE);

  it("one per heading, ATX and setext, whatever the level; a # inside a code fence is code", () => {
    expect(md.sections.map((s) => [s.depth, s.title, s.key, s.line])).toEqual([
      [1, "Incident 2026-12-01: case-api restarting", "incident 2026-12-01: case-api restarting", 1],
      [2, "1. Timeline:", "timeline", 5],
      [3, "Raw log", "raw log", 10],
      [2, "Root cause", "root cause", 16],
      [1, "Impact", "impact", 20],
    ]);
    expect(sectionsOf(md.root)).toEqual(md.sections);
  });

  it("content runs to the next heading of the same or a higher level, own to the next heading of any level", () => {
    const timeline = findSection(md, /^timeline$/);
    expect(timeline?.content.map((n) => n.type)).toEqual(["list", "heading", "code"]);
    expect(timeline?.own.map((n) => n.type)).toEqual(["list"]);
    // The document's title holds everything up to the next level-1 heading.
    expect(md.sections[0]?.content.length).toBe(7);
    expect(md.sections[0]?.own.map((n) => n.type)).toEqual(["paragraph"]);
  });

  it("byHeading gives every top-level node once: the preamble, then each heading's own nodes", () => {
    const blocks = byHeading(parseMarkdown(`Intro\n\n# A\n\none\n\n## B\n\ntwo\n\n- three\n`).root);
    expect(blocks.map((b) => [b.heading?.title, b.nodes.map((n) => textOf([n]))])).toEqual([
      [undefined, ["Intro"]],
      ["A", ["one"]],
      ["B", ["two", "three"]],
    ]);
    expect(byHeading(parseMarkdown("").root)).toEqual([{ nodes: [] }]);
    const all = byHeading(md.root).flatMap((b) => [...(b.heading ? [b.heading] : []), ...b.nodes]);
    expect(all.length).toBe(md.root.children.length);
  });
});

describe("heading keys", () => {
  it.each([
    ["2. Root cause:", "root cause"],
    ["B) Decision", "decision"],
    ["iv. Consequences", "consequences"],
    ["  Status：", "status"],
    ["Follow-up   actions", "follow-up actions"],
    ["2026 review", "2026 review"],
    ["Decision drivers", "decision drivers"],
  ])("%s → %s", (title, key) => {
    expect(headingKey(title)).toBe(key);
  });
});

describe("a template's sections, read", () => {
  const wanted = [
    { name: "Timeline", key: /^timeline\b/ },
    { name: "Cause", key: /^(?:root )?causes?\b/ },
    { name: "Impact", key: /^impact\b/ },
    { name: "Detection", key: /^detection\b/ },
  ];

  it("found and filled, found and left as the template's placeholder, or not there", () => {
    const read = readSections(parseMarkdown(NOTE), wanted);
    expect(read.map((r) => [r.name, r.section?.line, r.empty])).toEqual([
      ["Timeline", 5, false],
      ["Cause", 16, true],
      ["Impact", 20, true],
      ["Detection", undefined, true],
    ]);
    expect(read[0]?.text).toContain("21:02 first 502\n21:09 recovered");
    expect(read[0]?.words).toBeGreaterThan(6);
    expect(read[1]?.text).toBe("");
    expect(read[3]).toMatchObject({ text: "", section: undefined });
  });

  it("the first heading that matches is the section (a later duplicate is ignored)", () => {
    const read = readSections(parseMarkdown("## Cause\n\nTBD\n\n## Cause\n\nThe OOM killer.\n"), wanted);
    expect(read[1]).toMatchObject({ empty: true, section: { line: 1 } });
  });
});

describe("what counts as left empty", () => {
  it.each([
    ["", true],
    ["TODO", true],
    ["tbd.", true],
    ["…", true],
    ["[link to the dashboard]", true],
    ["<what happened>", true],
    ["> **<what you would do next, and who owns it>**", true],
    ["<low | medium | high>", true],
    ["Scale up <when> the queue grows", false],
    ["- ", true],
    ["n/a", true],
    ["The worker ran out of memory (OOMKilled).", false],
    ["<b>Bold</b> claim", false],
    ["None of the users noticed.", false],
  ])("%j → %s", (text, empty) => {
    expect(isPlaceholder(text)).toBe(empty);
  });

  it("template comments are left out of a section's text, the rest is kept", () => {
    const md = parseMarkdown("## Cause\n\n<!-- guidance -->\n\nDisk full <!-- inline --> at 21:00.\n");
    expect(textOf(md.sections[0]?.content ?? [])).toBe("Disk full  at 21:00.");
  });
});
