import { hardeningCapabilities } from "./capabilities.ts";
import { hardeningDockerSocket } from "./docker-socket.ts";
import { hardeningHostNamespaces } from "./host-namespaces.ts";
import { hardeningLimits } from "./limits.ts";
import { hardeningNoNewPrivileges } from "./no-new-privileges.ts";
import { hardeningNonRoot } from "./nonroot.ts";
import { hardeningReadOnly } from "./readonly-rootfs.ts";
import { hardeningSecrets } from "./secrets.ts";

/** The checks of hour 18 (hardening review), in the order the exercise lists them. */
export const hardeningChecks = [
  hardeningNonRoot,
  hardeningDockerSocket,
  hardeningCapabilities,
  hardeningNoNewPrivileges,
  hardeningHostNamespaces,
  hardeningLimits,
  hardeningReadOnly,
  hardeningSecrets,
] as const;
