import { describe, expect, it } from "vitest";
import { evaluateEvidenceRecord } from "./evidence-record.ts";
import { release } from "./test-support.ts";

type V = [string, Parameters<typeof release>[0], "pass" | "fail" | "error", RegExp];
const VARIANTS: V[] = [
  ["every seed field, a full commit, a digest", {}, "pass", /records commit 3f9c2e1a7b4d/],
  [
    "timestamp parsed by YAML as a date",
    { evidenceOver: { timestamp: new Date("2026-12-01T10:00:00Z") } },
    "pass",
    /every release field/,
  ],
  [
    "digest as repo@sha256",
    { evidenceOver: { digest: `registry:5000/reg-case-platform@sha256:${"c3".repeat(32)}` } },
    "pass",
    /every release field/,
  ],
  [
    "scan result as plain text",
    { evidenceOver: { scan: "2 critical (accepted), 1 high (not applicable), see review" } },
    "pass",
    /every release field/,
  ],
  [
    "the image recorded by tag",
    { evidenceOver: { digest: "registry:5000/reg-case-platform:1.0.0" } },
    "fail",
    /not sha256/,
  ],
  ["no rollback plan", { evidenceOver: { rollback: undefined } }, "fail", /rollback \(missing/],
  [
    "template placeholders kept",
    { evidenceOver: { integration_test: "<result>", stack_file: "TODO" } },
    "fail",
    /integration_test.*stack_file/,
  ],
  ["a short commit", { evidenceOver: { commit: "3f9c2e1" } }, "fail", /not a full 40-hex/],
  [
    "a commit that is not in the repository",
    { git: { head: "f".repeat(40), commitKnown: false } },
    "fail",
    /not in the app's git history/,
  ],
  [
    "the app folder is not a git repository",
    { git: { head: null, commitKnown: null, reason: "fatal: not a git repository" } },
    "fail",
    /not a git repository/,
  ],
  ["timestamp not a date", { evidenceOver: { timestamp: "yesterday" } }, "fail", /timestamp \(not a date/],
];

describe("supply.evidence.record", () => {
  it.each(VARIANTS)("%s", (_what, over, status, summary) => {
    const r = evaluateEvidenceRecord(release(over));
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });
});
