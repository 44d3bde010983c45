import { hostname } from "node:os";
import { LABEL, type LabId } from "../../lab/lab-names.ts";
import { CHECK_LABEL } from "../engine-reads.ts";

/** Which process made a scratch object: `<host>/<pid>`. The reaper keeps what a live checker owns. */
export const OWNER_LABEL = "io.drydock.check.owner";

/** This process, as written into OWNER_LABEL. */
export function ownerId(): string {
  return `${hostname()}/${process.pid}`;
}

/**
 * Labels for every scratch container, volume or network a check makes: the check label (the
 * live watcher ignores events about it; the reaper removes it), the lab's own labels, and who
 * made it, so a run never removes another live run's probe.
 */
export function scratchLabels(lab: LabId, check: string): Record<string, string> {
  return {
    [CHECK_LABEL]: check,
    [LABEL.managed]: "true",
    [LABEL.lab]: lab,
    [OWNER_LABEL]: ownerId(),
  };
}
