import { describe, expect, it } from "vitest";
import { evaluateRisks } from "./risks.ts";
import { doc, solved, template } from "./test-support.ts";

const FILE = "reg-case-platform/ops/risks.md";
const P = { file: FILE, count: 3 };
const REF = solved("risks.md");
const TABLE = `# Risks\n\n| Risk | Likelihood | Impact | Mitigation |\n|---|---|---|---|\n| Redis on one node | Medium | High | Managed Redis before go-live |\n| One manager | 3/5 | 5/5 | Promote two workers to managers |\n| No offline scan | High | Medium | Scan the SBOM in CI |\n`;

/** [what it models, the document (null: no file), status, summary]. */
const VARIANTS: Array<[string, string | null, "pass" | "fail", RegExp]> = [
  // right
  ["the reference: a heading per risk, fields as list items", REF, "pass", /^3 risks/],
  ["a table: Risk | Likelihood | Impact | Mitigation, ratings as words and 1-5", TABLE, "pass", /^3 risks/],
  [
    "bold labels on lines, Probability/Severity/Next step wording",
    "# Risks\n\n### Redis state on worker-2\n\n**Probability:** likely  \n**Severity:** high  \n**Next step:** replicate Redis, owner Ana.\n\n### Single manager\n\n**Probability:** possible  \n**Severity:** critical  \n**Next step:** add two managers this sprint.\n\n### Offline scan gap\n\n**Probability:** almost certain  \n**Severity:** moderate  \n**Next step:** scan in CI nightly.\n",
    "pass",
    /^3 risks/,
  ],
  [
    "one list, a risk per item with its fields nested",
    "# Risks\n\n- Redis on one node\n  - Likelihood: medium\n  - Impact: high\n  - Mitigation: managed Redis before go-live\n- One manager\n  - Likelihood: medium\n  - Impact: high\n  - Mitigation: three managers across zones\n- No offline scan\n  - Likelihood: high\n  - Impact: medium\n  - Mitigation: scan the SBOM in CI\n",
    "pass",
    /^3 risks/,
  ],
  // wrong
  ["no document yet", null, "fail", /no such file/],
  [
    "the template, copied and left as it is",
    template("risks.md"),
    "fail",
    /^0 of the 3 risks.*no title.*likelihood not filled in/,
  ],
  [
    "two risks only",
    REF.replace(/## Risk 3[\s\S]*$/, ""),
    "fail",
    /^2 of the 3 risks are complete \(only 2 listed\)/,
  ],
  [
    "a risk with no mitigation",
    REF.replace(/- Mitigation: promote.*\n/, ""),
    "fail",
    /^2 of the 3.*Single Swarm manager.*no mitigation/i,
  ],
  [
    "ratings filled in, one mitigation left as the template's <placeholder>",
    REF.replace(/- Mitigation: promote.*\n/, "- Mitigation: <what you would do next, and who owns it>\n"),
    "fail",
    /^2 of the 3.*Single Swarm manager.*mitigation not filled in/i,
  ],
  [
    "likelihood left as a question mark",
    REF.replace("- Likelihood: high", "- Likelihood: ?"),
    "fail",
    /likelihood not filled in/,
  ],
  [
    "impact as prose, not a rating",
    REF.replace("- Impact: medium", "- Impact: we would not know about CVEs"),
    "fail",
    /impact "we would not know a.*" is not a rating/,
  ],
  [
    "a table with an empty Impact cell",
    TABLE.replace("| 3/5 | 5/5 |", "| 3/5 | |"),
    "fail",
    /One manager: impact not filled in/,
  ],
  [
    "the same risk three times",
    TABLE.replace(/One manager|No offline scan/g, "Redis on one node"),
    "fail",
    /two risks have the same title/,
  ],
  [
    "risks as a paragraph",
    "# Risks\n\nRedis, the single manager and scanning are risky.\n",
    "fail",
    /No risk with a likelihood/,
  ],
];

describe("review.risks", () => {
  it.each(VARIANTS)("%s", (_what, text, status, summary) => {
    const r = evaluateRisks(doc(FILE, text), P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
