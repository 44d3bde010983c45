import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../../common/paths.ts";
import { doc, template } from "../review/test-support.ts";
import { evaluateNote } from "./note.ts";

const FILE = "reg-case-platform/ops/incident-note.md";
const REF = `# Incident: case-api restarting after the 21:29 update

## Timeline

- 21:29 UTC docker service update --env-add LOG_LEVEL=verbose reg-case_case-api
- 21:30 UTC first task fails (task: non-zero exit (78)); Swarm starts the rollback
- 21:31 UTC rollback_completed, all replicas on the previous spec

## Impact

One of two replicas down for two minutes; no request failed (start-first).

## Cause

The update set LOG_LEVEL=verbose, which the app refuses: exit code 78.

## Detection

docker service ps --no-trunc showed the failed tasks; UpdateStatus said rollback.

## Actions

- Validate env changes with the app's config check in CI (owner: platform).
- Alert on UpdateStatus rollback_started (owner: platform).
`;

/** [what it models, note (null: none), status, summary]. */
const VARIANTS: Array<[string, string | null, "pass" | "fail", RegExp]> = [
  // right
  ["the reference: the template filled in", REF, "pass", /timed Timeline/],
  [
    "Google SRE style: Root Causes, Action Items as a table, ISO times",
    REF.replace("## Cause", "## Root Causes")
      .replace(
        /## Actions\n\n[\s\S]*$/,
        "## Action Items\n\n| Action | Owner |\n|---|---|\n| CI config check | platform |\n",
      )
      .replace(/21:(\d\d) UTC/g, "2026-12-01T21:$1Z"),
    "pass",
    /timed Timeline/,
  ],
  [
    "headings at level 3, in upper case",
    REF.replace(/^## (\w+)/gm, (_m, h: string) => `### ${h.toUpperCase()}`),
    "pass",
    /timed Timeline/,
  ],
  [
    "a timeline as a table",
    REF.replace(
      /## Timeline\n\n[\s\S]*?## Impact/,
      "## Timeline\n\n| time | event |\n|---|---|\n| 21:29 | update |\n| 21:31 | rolled back |\n\n## Impact",
    ),
    "pass",
    /timed Timeline/,
  ],
  // wrong
  ["no note yet", null, "fail", /no such file/],
  [
    "the template, copied and left as it is",
    template("incident-note.md"),
    "fail",
    /Timeline section is empty.*Impact section is empty.*Cause section is empty/,
  ],
  ["no Detection section", REF.replace(/## Detection\n\n.*\n\n/, ""), "fail", /no Detection section/],
  [
    "a timeline with no times",
    REF.replace(/21:\d\d UTC /g, ""),
    "fail",
    /fewer than two entries with a time/,
  ],
  [
    "actions as a paragraph",
    REF.replace(/## Actions\n\n[\s\S]*$/, "## Actions\n\nWe will be more careful.\n"),
    "fail",
    /Actions are prose/,
  ],
  [
    "an empty Impact (TBD)",
    REF.replace(/## Impact\n\n.*\n/, "## Impact\n\nTBD\n"),
    "fail",
    /Impact section is empty/,
  ],
];

describe("incident.note", () => {
  it.each(VARIANTS)("%s", (_what, text, status, summary) => {
    const r = evaluateNote(doc(FILE, text));
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it("the h19 solve's note template passes once filled", () => {
    const t = readFileSync(
      join(repoRoot, "exercises", "reg-case-platform", "ops", "templates", "incident-note.md"),
      "utf8",
    );
    expect(evaluateNote(doc(FILE, t)).status).toBe("fail");
  });
});
