import type Docker from "dockerode";
import type { ProgressEvent } from "../common/progress.ts";
import { labUp } from "../lab/lab-lifecycle.ts";
import { removeSettings } from "../lab/lab-settings.ts";
import { subnetsOfNetworks } from "./address-pool.ts";
import type { LabStarter } from "./learner-labs.ts";
import { removeLabResources } from "./remove-lab.ts";

/**
 * The real LabStarter: `labUp` with the learner's home, workspace, subnet and caps (the same
 * lab every `drydock lab up` makes, five containers labelled io.drydock.lab=<lab>), and
 * removal by those labels.
 */
export function dockerLabStarter(docker: Docker): LabStarter {
  return {
    async up(req) {
      await labUp(
        { docker, lab: req.lab, home: req.home, progress: (e) => req.log(progressLine(e)) },
        {
          workspace: req.workspace,
          subnet: req.subnet,
          memoryBytes: req.caps.memoryBytes,
          pidsLimit: req.caps.pidsLimit,
          nanoCpus: req.caps.nanoCpus,
        },
      );
    },
    async down(lab, home) {
      await removeLabResources(docker, lab);
      removeSettings(home, lab);
    },
    async subnetsInUse() {
      return subnetsOfNetworks(await docker.listNetworks());
    },
  };
}

export function progressLine(e: ProgressEvent): string {
  switch (e.kind) {
    case "step":
      return `${e.title}…`;
    case "done":
      return `${e.title}: done in ${e.seconds.toFixed(1)} s${e.note ? ` (${e.note})` : ""}`;
    case "info":
      return e.message;
    case "warn":
      return `warning: ${e.message}`;
    case "log":
      return e.line;
  }
}
