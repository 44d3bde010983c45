import type Docker from "dockerode";
import { errorMessage } from "../common/errors.ts";
import { LABEL, type LabId, labLabels } from "./lab-names.ts";
import type { PrivilegeMode } from "./lab-settings.ts";

export interface PrivilegeDecision {
  mode: PrivilegeMode;
  /** Why: the host's refusal when --privileged did not work. */
  reason?: string;
}

/**
 * Tries a throwaway `--privileged` container from the node image. Some hosts refuse it
 * ("unable to apply caps": a capability missing from the VM's bounding set); there the
 * lab uses the explicit option set instead.
 */
export async function probePrivilege(docker: Docker, lab: LabId, image: string): Promise<PrivilegeDecision> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ["true"],
    Labels: labLabels(lab, { [LABEL.purpose]: "privilege-probe" }),
    HostConfig: { Privileged: true, NetworkMode: "none" },
  });
  try {
    await container.start();
    await container.wait();
    return { mode: "privileged" };
  } catch (err) {
    return { mode: "explicit-caps", reason: errorMessage(err) };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}
