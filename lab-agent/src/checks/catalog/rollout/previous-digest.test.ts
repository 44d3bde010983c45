import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RolloutFacts } from "../../collectors/rollout-facts.ts";
import { BAD, factsOf, loadRecorded, NO_SWARM, replay, V1, V2, V3 } from "./fixture-support.ts";
import { evaluatePreviousDigest, type PreviousDigestFacts, updateStarts } from "./previous-digest.ts";

const C = "previous-digest";
const P = { stack: "reg-case", service: "case-api", file: "reg-case-platform/previous-digests.txt" };
const digest = (ref: string) => ref.slice(ref.indexOf("@") + 1);
// What the lab registry answered for the releases (HEAD manifests, version label of the config).
const REGISTRY = [
  { digest: digest(V1), exists: true, version: "1.0.0" },
  { digest: digest(V2), exists: true, version: "1.1.0" },
  { digest: digest(V3), exists: true, version: "1.1.1" },
  { digest: digest(BAD), exists: true, version: "1.2.0-bad" },
  // `docker image inspect --format '{{.Id}}'` of 1.0.0 and 1.1.0 on laptop: config digests.
  { digest: "sha256:2172da4df8ab307df65aabc4b0eaacfd0be28beef5c4f0d31d0cdcb94f7b14f2", exists: false },
  { digest: "sha256:342b61102aad8ba152a7ccd786f1dc19c24a6ba14eaffedd4293ccfd8a0a83f2", exists: false },
];
const file = (name: string | null) =>
  name === null ? null : readFileSync(join(import.meta.dirname, "fixtures", C, "files", name), "utf8");
const withFile = (facts: RolloutFacts, name: string | null): PreviousDigestFacts => ({
  ...facts,
  file: { path: P.file, text: file(name) },
  registry: REGISTRY,
});

const right: Array<[string, () => PreviousDigestFacts, RegExp]> = [
  [
    "the page's `… | tee -a` before the update to 1.1.0 (recorded update)",
    () => withFile(factsOf(loadRecorded(C, "updated")), "tee-before-1.1.0.txt"),
    /names every digest .*ac374a8eb22b.* \(1\.0\.0\)/,
  ],
  [
    "before 1.1.0 and before the bad 1.2.0 that Swarm rolled back (recorded polls)",
    () => withFile(replay(C, "03-auto-rolled-back"), "tee-before-1.1.0-and-1.2.0-bad.txt"),
    /names every digest .*1\.0\.0.*1\.1\.0/,
  ],
  [
    "the same with the agent not running: Swarm's state (rolled back to 1.1.0, deployed 1.0.0) gives both",
    () =>
      withFile(replay(C, "03-auto-rolled-back", { history: false }), "tee-before-1.1.0-and-1.2.0-bad.txt"),
    /names every digest.*as far as Swarm shows/,
  ],
  [
    "a hand-written log with dates and bare sha256 digests",
    () => withFile(replay(C, "03-auto-rolled-back"), "notes-bare-digests.txt"),
    /names every digest/,
  ],
  [
    "before every update of a longer life (1.1.0, bad, 1.1.1, then the bad one paused)",
    () => withFile(replay(C, "13-pause-38"), "tee-before-every-update.txt"),
    /names every digest .*1\.0\.0.*1\.1\.0.*1\.1\.1/,
  ],
];

const wrong: Array<[string, () => PreviousDigestFacts, RegExp]> = [
  ["no file kept", () => withFile(factsOf(loadRecorded(C, "updated")), null), /does not exist/],
  [
    "tags written down, not digests",
    () => withFile(factsOf(loadRecorded(C, "updated")), "tags-only.txt"),
    /lacks .*It names tags/,
  ],
  [
    "image IDs (`docker image inspect .Id`, the config digest) instead of the registry's digest",
    () => withFile(factsOf(loadRecorded(C, "updated")), "image-ids.txt"),
    /lacks .*unknown to the registry: an image ID/,
  ],
  [
    "written after the update: only the new digest",
    () => withFile(factsOf(loadRecorded(C, "updated")), "written-after-the-update.txt"),
    /lacks .*ac374a8eb22b.*\(1\.0\.0\)/,
  ],
  [
    "nothing written before the bad rollout",
    () => withFile(replay(C, "03-auto-rolled-back"), "tee-before-1.1.0.txt"),
    /lacks .*29b9fc20c0dc.*\(1\.1\.0\)/,
  ],
  [
    "never updated (or stack rm + deploy: a new service with no previous spec), a file or not",
    () => withFile(factsOf(loadRecorded(C, "deployed")), "tee-before-1.1.0.txt"),
    /was never updated/,
  ],
  [
    "1.1.1 rolled out without writing 1.1.0 down again, then rolled back by hand",
    () => withFile(replay(C, "11-manual-22"), "tags-only.txt"),
    /lacks/,
  ],
  ["no swarm", () => withFile(NO_SWARM, null), /not a swarm manager/],
];

describe("swarm.previous-digest", () => {
  it.each(right)("passes: %s", (_name, facts, summary) => {
    const r = evaluatePreviousDigest(facts(), P);
    expect(r.status, r.summary).toBe("pass");
    expect(r.summary).toMatch(summary);
  });

  it.each(wrong)("fails: %s", (_name, facts, summary) => {
    const r = evaluatePreviousDigest(facts(), P);
    expect(r.status, r.summary).toBe("fail");
    expect(r.summary).toMatch(summary);
  });

  it("can't tell when a later settings-only update cleared UpdateStatus and the agent never ran", () => {
    // After a rollback by hand, `service update --update-monitor 10s` (no new tasks) clears UpdateStatus.
    const facts = replay(C, "14-manual-from-paused-12", { history: false });
    // As on the lab: rolled back by hand to the deployed digest, so nothing else tells what ran.
    const svc = structuredClone(facts.service as NonNullable<typeof facts.service>);
    delete svc.UpdateStatus;
    const image = svc.Spec.TaskTemplate?.ContainerSpec?.Image ?? "";
    svc.Spec.Labels = { ...svc.Spec.Labels, "com.docker.stack.image": image };
    const cleared = { ...facts, service: svc };
    const r = evaluatePreviousDigest(withFile(cleared, "tee-before-every-update.txt"), P);
    expect(r.status).toBe("error");
    expect(r.summary).toMatch(/^Can't tell, because .* cleared UpdateStatus/);
  });

  it("what ran before each update: recorded image changes, not the rollbacks' own", () => {
    const starts = updateStarts(replay(C, "11-manual-22")).map((s) => s.digest);
    expect(starts).toEqual([digest(V1), digest(V2)]);
  });
});
