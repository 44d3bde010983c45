import { describe, expect, it } from "vitest";
import { evaluateChecklist, SEED_CHECKLIST } from "./release-checklist.ts";
import { doc, solved, template } from "./test-support.ts";

const FILE = "reg-case-platform/ops/release-checklist.md";
const REF = solved("release-checklist.md");

/** The reference as one table per group: | Item | Done | Evidence |. */
function asTables(na = "N/A: the lab is offline and has no vulnerability database") {
  return SEED_CHECKLIST.map(
    (g) =>
      `## ${g.group}\n\n| Item | Done | Evidence |\n|---|---|---|\n${g.items
        .map(([name]) =>
          /scan/i.test(name)
            ? `| ${name} | | ${na} |`
            : `| ${name} | ✅ | [check](check:h17/rolling-update-succeeds) |`,
        )
        .join("\n")}\n`,
  ).join("\n");
}
/** The reference with one item's line changed. */
const edit = (from: RegExp, to: string) => {
  const out = REF.replace(from, to);
  if (out === REF) throw new Error(`no ${from} in the reference`);
  return out;
};

/** [what it models, the checklist (null: no file), status, summary]. */
const VARIANTS: Array<[string, string | null, "pass" | "fail", RegExp]> = [
  // right
  [
    "the reference: task list, links to checks and files, six N/A with reasons",
    REF,
    "pass",
    /All 40 items are answered: 34 done.*6 not applicable/,
  ],
  [
    "one table per group (Item | Done | Evidence)",
    asTables(),
    "pass",
    /All 40 items.*39 done.*1 not applicable/,
  ],
  [
    "one table with a Section column and no group headings",
    `# Checklist\n\n| Section | Item | Status | Evidence |\n|---|---|---|---|\n${SEED_CHECKLIST.flatMap((g) =>
      g.items.map(([name]) => `| ${g.group} | ${name} | done | [file](../package.json) |`),
    ).join("\n")}\n`,
    "pass",
    /All 40 items.*40 done/,
  ],
  [
    "group headings at level 3 in upper case, links as reference definitions, page-URL check links",
    `${REF.replace(/^## (\w+)/gm, (_m, g: string) => `### ${g.toUpperCase()}`)
      .replace(/\(check:([a-z0-9-]+)\/([a-z0-9-]+)\)/g, "(/hours/$1/#$2)")
      .replace(
        "[migrations](../migrations/README.md).",
        "[migrations][mig].",
      )}\n[mig]: ../migrations/README.md\n`,
    "pass",
    /All 40 items/,
  ],
  [
    "an item the learner added, answered too",
    edit(/## Rollback\n/, "## Rollback\n\n- [x] Status page updated: [README](../README.md).\n"),
    "pass",
    /All 40 items/,
  ],
  // wrong
  ["no checklist yet", null, "fail", /no such file/],
  [
    "the template, copied and left as it is",
    template("release-checklist.md"),
    "fail",
    /40 are not answered \(first: line \d+ \(Source: Git commit is known\): not ticked/,
  ],
  [
    "an item ticked without a link to evidence",
    edit(/- \[x\] Healthcheck tested: .*/, "- [x] Healthcheck tested."),
    "fail",
    /1 is not answered.*Healthcheck tested\): ticked without a link to evidence/,
  ],
  [
    "N/A without a reason",
    edit(/- \[ \] Metrics normal\. N\/A: .*/, "- [ ] Metrics normal. N/A"),
    "fail",
    /Metrics normal\): N\/A without a reason/,
  ],
  [
    "a link to a file that is not in the workspace",
    edit(
      /- \[x\] Migration plan reviewed: .*/,
      "- [x] Migration plan reviewed: [plan](../docs/migration-plan.md).",
    ),
    "fail",
    /Migration plan reviewed\): \.\.\/docs\/migration-plan\.md: no such file/,
  ],
  [
    "a link to a check that does not exist",
    edit(
      /- \[x\] Convergence monitored: .*/,
      "- [x] Convergence monitored: [converged](check:h15-16/converged).",
    ),
    "fail",
    /no deliverable converged in block h15-16/,
  ],
  [
    "a link to a CI run on the internet",
    edit(/- \[x\] Smoke test passing: .*/, "- [x] Smoke test passing: [CI](https://ci.example.com/runs/42)."),
    "fail",
    /outside the lab/,
  ],
  [
    "the Rollback group left out",
    REF.replace(/## Rollback[\s\S]*$/, ""),
    "fail",
    /5 of the 40 items are missing \(first: Rollback: Previous image digest known\)/,
  ],
  [
    "a table whose Done column is empty for an item",
    asTables().replace("| SBOM generated | ✅ |", "| SBOM generated | |"),
    "fail",
    /SBOM generated.*not ticked/,
  ],
  ["the checklist as prose", "# Checklist\n\nEverything was checked and works.\n", "fail", /no items/],
];

describe("review.release-checklist", () => {
  it.each(VARIANTS)("%s", (_what, text, status, summary) => {
    const r = evaluateChecklist(doc(FILE, text));
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it("has the seed's 40 items in six groups", () => {
    expect(SEED_CHECKLIST.map((g) => g.group)).toEqual([
      "Source",
      "Build",
      "Test",
      "Deploy",
      "Verify",
      "Rollback",
    ]);
    expect(SEED_CHECKLIST.flatMap((g) => g.items)).toHaveLength(40);
  });
});
