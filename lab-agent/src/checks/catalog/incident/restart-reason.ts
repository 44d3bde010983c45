import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { collectSwarm, MANAGER_SOURCE, type SwarmFacts } from "../../collectors/collect-swarm.ts";
import {
  collectWorkspaceDoc,
  docEvidence,
  type WorkspaceDoc,
  WorkspacePath,
} from "../../collectors/workspace-doc.ts";
import { parseMarkdown } from "../../parsers/markdown-doc.ts";
import { findSection, textOf } from "../../parsers/markdown-sections.ts";
import { namesCause, type RecordedFailure, recordedFailures } from "./bundle-facts.ts";
import { CAUSE_SECTION } from "./note.ts";

const Params = z
  .object({
    file: WorkspacePath.default("reg-case-platform/ops/incident-note.md"),
    stack: z.string().min(1).default("reg-case"),
  })
  .strict();
type Params = z.infer<typeof Params>;

const describe = (f: RecordedFailure) =>
  `${f.service} task ${f.task.slice(0, 12)} at ${f.at}: ${f.err || "(no error)"}${f.exitCode !== null ? ` (exit code ${f.exitCode})` : ""}`;

export function evaluateRestartReason(f: { note: WorkspaceDoc; swarm: SwarmFacts }, p: Params): CheckOutcome {
  const { note, swarm } = f;
  if (!note.found)
    return fail(`${note.path}: ${note.reason}.`, [
      docEvidence(note, "your incident note, from ops/templates/incident-note.md"),
    ]);
  const failures = recordedFailures(swarm);
  const evidence: Evidence[] = [
    {
      source: `${MANAGER_SOURCE}: GET /tasks (stack ${p.stack})`,
      field: "failed tasks recorded",
      observed: failures.slice(0, 5).map(describe),
    },
  ];
  if (swarm.localState !== "active")
    return fail(
      `manager-1 is not in a swarm (Swarm.LocalNodeState="${swarm.localState}"), so there is no restart to explain.`,
      evidence,
    );
  if (failures.length === 0)
    return checkError(
      `Can't tell which cause the note should name, because Swarm has no failed task of the stack ${p.stack} (nothing failed yet, or the task history was pruned): run the container crash drill, then write the note.`,
      evidence,
    );
  const md = parseMarkdown(note.text);
  const cause = findSection(md, CAUSE_SECTION.key);
  const text = cause ? textOf(cause.content) : "";
  evidence.push({
    source: `workspace: ${note.path}`,
    field: "Cause",
    observed: cause ? text.slice(0, 300) || "(empty)" : "no Cause section",
    expected: "the exit code, OOM kill or failed healthcheck Swarm recorded",
  });
  if (!cause) return fail("The incident note has no Cause section, where the restart reason goes.", evidence);
  const named = failures.find((x) =>
    x.exitCode === null && x.cause === "exit-code"
      ? text.toLowerCase().includes(x.err.toLowerCase().slice(0, 30))
      : namesCause(text, x),
  );
  if (named) return pass(`The note's Cause names what Swarm recorded: ${describe(named)}.`, evidence);
  const other = /\bexit(?:ed)?(?: code| status)?(?: with)?\s*[:=(]?\s*(\d{1,3})\b/i.exec(text)?.[1];
  const latest = failures[0] as RecordedFailure;
  return fail(
    other
      ? `The note's Cause says exit code ${other}, but Swarm recorded ${latest.err || `exit code ${latest.exitCode}`} for ${latest.service}: read it from docker service ps --no-trunc.`
      : `The note's Cause does not name what Swarm recorded (${latest.err || `exit code ${latest.exitCode}`} for ${latest.service}).`,
    evidence,
  );
}

export const restartReason = defineCheck({
  id: "incident.restart-reason",
  title: "The incident note names the restart reason Swarm recorded",
  kind: "snapshot",
  params: Params,
  watches: { objects: ["service", "container"], files: (p: Params) => [p.file] },
  async collect(ctx, p) {
    const [note, swarm] = await Promise.all([collectWorkspaceDoc(ctx, p.file), collectSwarm(ctx, p.stack)]);
    return { note, swarm };
  },
  evaluate: evaluateRestartReason,
});
