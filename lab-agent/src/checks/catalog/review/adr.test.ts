import { describe, expect, it } from "vitest";
import { evaluateAdr } from "./adr.ts";
import { doc, solved, template } from "./test-support.ts";

const FILE = "reg-case-platform/ops/adr-0001-runtime.md";
const P = { file: FILE, minInvariants: 3 };
const REF = solved("adr-0001-runtime.md");
const INV =
  "## Invariants\n\n- deploy by digest only;\n- app containers run non-root;\n- no Docker socket in app containers.\n";

/** [what it models, the ADR (null: no file), status, summary]. */
const VARIANTS: Array<[string, string | null, "pass" | "fail", RegExp]> = [
  // right
  ["the reference: the seed's ADR with an Options section", REF, "pass", /Status \(Accepted\)/],
  [
    "MADR style: status in front matter, Context and Problem Statement, Decision Outcome",
    `---\nstatus: accepted\ndate: 2026-12-01\n---\n# Use Docker Swarm\n\n## Context and Problem Statement\n\nA small internal platform needs rolling updates.\n\n## Decision Outcome\n\nChosen option: Docker Swarm, because the team runs Docker already.\n\n### Consequences\n\n* Good, because one workflow.\n* Bad, because a smaller ecosystem.\n\n${INV}`,
    "pass",
    /Status \(accepted\)/,
  ],
  [
    "Status: Accepted as a line under the title, headings in upper case and level 3",
    `# ADR 1: Swarm\n\nStatus: Accepted (2026-12-01)\n\n### CONTEXT\n\nWe run Docker Engine.\n\n### DECISION\n\nSwarm with stack deploy.\n\n### CONSEQUENCES\n\nLess to operate; quorum to keep.\n\n### INVARIANTS\n\n1. images by digest\n2. non-root\n3. secrets at runtime\n`,
    "pass",
    /Status \(Accepted \(2026-12-01\)\)/,
  ],
  [
    "numbered headings (1. Status …) and a Superseded status",
    `# ADR-0001\n\n## 1. Status\n\nSuperseded by ADR-0004\n\n## 2. Context\n\nThree nodes, one team.\n\n## 3. Decision\n\nSwarm.\n\n## 4. Consequences:\n\nA quorum to keep.\n\n## 5. Invariants\n\n- digest\n- non-root\n- healthcheck on every rolling service\n`,
    "pass",
    /Superseded by ADR-0004/,
  ],
  [
    "the decision in sub-sections (### Runtime, ### Images) under ## Decision",
    REF.replace(
      /## Decision\n\n[\s\S]*?\n## Consequences/,
      "## Decision\n\n### Runtime\n\nSwarm with stack deploy.\n\n### Images\n\nBy digest.\n\n## Consequences",
    ),
    "pass",
    /filled Context, Decision/,
  ],
  // wrong
  ["no ADR yet", null, "fail", /no such file/],
  [
    "the template, copied and left as it is",
    template("adr.md"),
    "fail",
    /template's choices.*Context section is empty.*Decision section is empty/,
  ],
  [
    "an empty decision: only the template's guidance comment left",
    REF.replace(
      /## Decision\n\n[\s\S]*?\n## Consequences/,
      "## Decision\n\n<!-- What we will do, stated so that a reviewer can check it was done. -->\n\n## Consequences",
    ),
    "fail",
    /Decision section is empty/,
  ],
  [
    "a decision that says TODO",
    REF.replace(/## Decision\n\n[\s\S]*?\n## Consequences/, "## Decision\n\nTODO\n\n## Consequences"),
    "fail",
    /Decision section is empty/,
  ],
  [
    "no Invariants section (the seed's template has one)",
    REF.replace(/## Invariants[\s\S]*?## Review/, "## Review"),
    "fail",
    /no Invariants section/,
  ],
  [
    "invariants written as a paragraph, not rules to check",
    REF.replace(
      /## Invariants\n\n[\s\S]*?\n## Review/,
      "## Invariants\n\nWe keep things secure and deploy carefully.\n\n## Review",
    ),
    "fail",
    /Invariants are prose/,
  ],
  ["no status anywhere", REF.replace(/## Status\n\nAccepted\n\n/, ""), "fail", /has no Status/],
  [
    "a status that is not one",
    REF.replace("\nAccepted\n", "\nIn my head\n"),
    "fail",
    /Status "In my head" is not/,
  ],
  [
    "the headings only inside a code fence (the template pasted as a code block)",
    "# ADR\n\n```md\n## Status\nAccepted\n## Context\nx\n## Decision\ny\n## Consequences\nz\n## Invariants\n- a\n- b\n- c\n```\n",
    "fail",
    /no Status.*no Context section.*no Decision section/,
  ],
];

describe("review.adr", () => {
  it.each(VARIANTS)("%s", (_what, text, status, summary) => {
    const r = evaluateAdr(doc(FILE, text), P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
