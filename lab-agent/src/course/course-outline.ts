/**
 * The course's outline, defined once for the agent, the CLI and the site: the 20-hour plan's
 * blocks (seed section 21), the six failure drills (seed section 17), the maturity rubric's
 * levels (seed section 20) and the form of a deliverable id. Plain data, no schema library:
 * the agent builds zod 4 schemas from it, the site's content config builds astro/zod ones.
 * Block and deliverable ids are stable: checks, saved progress and scorecards refer to them.
 */

/** One page per block, at /hours/<id>/; exercises/<id>/exercise.yaml holds its checked deliverables. */
export const BLOCKS = [
  { id: "h01-02", hours: [1, 2], title: "Rebuild the mental model" },
  { id: "h03-04", hours: [3, 4], title: "Dockerfile mastery" },
  { id: "h05-06", hours: [5, 6], title: "Runtime lifecycle" },
  { id: "h07-08", hours: [7, 8], title: "Networking and storage" },
  { id: "h09-10", hours: [9, 10], title: "Compose dev stack" },
  { id: "h11-12", hours: [11, 12], title: "Compose test harness" },
  { id: "h13-14", hours: [13, 14], title: "Supply chain evidence" },
  { id: "h15-16", hours: [15, 16], title: "Swarm stack deploy" },
  { id: "h17", hours: [17], title: "Rolling update and rollback" },
  { id: "h18", hours: [18], title: "Security hardening review" },
  { id: "h19", hours: [19], title: "Observability and incident drill" },
  { id: "h20", hours: [20], title: "Final review and teach-back" },
] as const;

export type Block = (typeof BLOCKS)[number];
export type BlockId = Block["id"];
export const BLOCK_IDS = BLOCKS.map((b) => b.id) as [BlockId, ...BlockId[]];

/** The six failure drills, at /drills/<id>/. */
export const DRILL_IDS = [
  "container-crash",
  "bad-image-rollout",
  "node-drain",
  "secret-rotation",
  "resource-pressure",
  "registry-outage",
] as const;
export type DrillId = (typeof DRILL_IDS)[number];

/** The maturity rubric's six levels. */
export const RUBRIC_LEVELS = [
  { level: 1, name: "Command user" },
  { level: 2, name: "Compose user" },
  { level: 3, name: "Image engineer" },
  { level: 4, name: "Runtime engineer" },
  { level: 5, name: "Platform engineer" },
  { level: 6, name: "Systems engineer" },
] as const;

/** A deliverable id: kebab-case, unique in the whole course (e.g. `image-non-root`). */
export const DELIVERABLE_ID = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
export const DELIVERABLE_ID_MESSAGE = "a deliverable id is kebab-case, e.g. image-non-root";

/**
 * Who judges a deliverable that has no check yet: the lab (a check will read it), a file in the
 * workspace, or a mentor. A deliverable with a check in exercises/<block>/exercise.yaml is
 * checked in the lab; the page derives its wording from that, never from prose.
 */
export const JUDGES = ["lab", "document", "mentor"] as const;
export type Judge = (typeof JUDGES)[number];

export function blockOf(id: string): Block | undefined {
  return BLOCKS.find((b) => b.id === id);
}
