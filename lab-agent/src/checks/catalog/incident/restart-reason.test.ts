import { describe, expect, it } from "vitest";
import type { SwarmFacts } from "../../collectors/collect-swarm.ts";
import { doc } from "../review/test-support.ts";
import { evaluateRestartReason } from "./restart-reason.ts";
import { recordedSwarm, withFailure } from "./test-support.ts";

const FILE = "reg-case-platform/ops/incident-note.md";
const P = { file: FILE, stack: "reg-case" };
const note = (cause: string) =>
  `# Incident\n\n## Timeline\n\n- 21:29 deploy\n- 21:30 tasks fail\n\n## Cause\n\n${cause}\n`;
const EXIT78 = withFailure("task: non-zero exit (78)", 78);
const OOM = withFailure("task: non-zero exit (137)", 137);
const UNHEALTHY = withFailure("task: non-zero exit (143): dockerexec: unhealthy container", 143);

/** [what it models, note (null: none), swarm, status, summary]. */
const VARIANTS: Array<[string, string | null, SwarmFacts, "pass" | "fail" | "error", RegExp]> = [
  // right
  [
    "the exit code as docker service ps shows it",
    note("The api exited with exit code 78: LOG_LEVEL=verbose is not a level."),
    EXIT78,
    "pass",
    /exit code 78/,
  ],
  [
    "Swarm's own words quoted",
    note("`task: non-zero exit (78)` after the update set LOG_LEVEL."),
    EXIT78,
    "pass",
    /non-zero exit \(78\)/,
  ],
  [
    "an OOM kill named for exit 137",
    note("The container was OOM-killed (memory limit 32M)."),
    OOM,
    "pass",
    /exit code 137/,
  ],
  [
    "a failed healthcheck named",
    note("Tasks were killed because the healthcheck failed: unhealthy container, /health timed out."),
    UNHEALTHY,
    "pass",
    /unhealthy/,
  ],
  [
    "Root cause heading at level 3, `exit status 78`",
    note("x").replace("## Cause\n\nx", "### Root cause\n\nIt stopped with exit status 78."),
    EXIT78,
    "pass",
    /exit code 78/,
  ],
  // wrong
  ["no note yet", null, EXIT78, "fail", /no such file/],
  [
    "the wrong exit code (1, from memory)",
    note("The app crashed with exit code 1."),
    EXIT78,
    "fail",
    /says exit code 1, but Swarm recorded task: non-zero exit \(78\)/,
  ],
  [
    'a cause with no evidence ("a bug")',
    note("A bug in the config loader."),
    EXIT78,
    "fail",
    /does not name what Swarm recorded/,
  ],
  [
    "OOM claimed where the task exited 78",
    note("The container ran out of memory (OOM)."),
    EXIT78,
    "fail",
    /does not name/,
  ],
  [
    "no Cause section",
    "# Incident\n\n## Timeline\n\n- 21:30 exit code 78\n",
    EXIT78,
    "fail",
    /no Cause section/,
  ],
  [
    "the cause only in a comment of the template",
    note("<!-- exit code 78 -->"),
    EXIT78,
    "fail",
    /does not name/,
  ],
  [
    "a rejected task (recorded on a real lab) named by its error",
    note("Tasks were rejected: invalid config for network reg-case_app-net (IP outside the subnet)."),
    recordedSwarm(),
    "pass",
    /invalid config for network/i,
  ],
  [
    "no swarm",
    note("exit code 78"),
    { localState: "inactive", isManager: false, nodes: [], services: [], tasks: [] },
    "fail",
    /not in a swarm/,
  ],
];

describe("incident.restart-reason", () => {
  it.each(VARIANTS)("%s", (_what, text, swarm, status, summary) => {
    const r = evaluateRestartReason({ note: doc(FILE, text), swarm }, P);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it("can't tell when Swarm kept no failed task", () => {
    const swarm = recordedSwarm();
    swarm.tasks = swarm.tasks.filter((t) => t.Status?.State === "running");
    const r = evaluateRestartReason({ note: doc(FILE, note("exit code 78")), swarm }, P);
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/^Can't tell.*no failed task/);
  });
});
