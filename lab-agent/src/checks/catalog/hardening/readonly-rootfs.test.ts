import { describe } from "vitest";
import { evaluateReadOnly } from "./readonly-rootfs.ts";
import { host, type Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const v: Variant[] = [
  [
    "stack: read_only and a tmpfs mount at /tmp",
    "stack-hard",
    undefined,
    "pass",
    /read-only root and a tmpfs at \/tmp/,
    { id: "5.13", result: "PASS" },
  ],
  [
    "compose: read_only and tmpfs: [/tmp]",
    "rec-hard-1",
    undefined,
    "pass",
    /read-only root/,
    { id: "5.13", result: "PASS" },
  ],
  [
    "docker run --read-only --tmpfs /tmp",
    "run-hard",
    undefined,
    "pass",
    /read-only root/,
    { id: "5.13", result: "PASS" },
  ],
  [
    "docker run --read-only --mount type=tmpfs,destination=/tmp,tmpfs-size=64m",
    "run-mount",
    undefined,
    "pass",
    /read-only root/,
    { id: "5.13", result: "PASS" },
  ],
  [
    "docker run with a writable root",
    "run-plain",
    undefined,
    "fail",
    /root filesystem is writable/,
    { id: "5.13", result: "WARN" },
  ],
  ["compose: no read_only", "rec-loose-1", undefined, "fail", /writable/, { id: "5.13", result: "WARN" }],
  [
    "stack: tmpfs at /tmp but no read_only",
    "stack-hard",
    (r) => {
      host(r).ReadonlyRootfs = false;
    },
    "fail",
    /writable/,
    { id: "5.13", result: "WARN" },
  ],
  [
    "read_only with no writable /tmp: docker-bench passes it",
    "run-vol",
    undefined,
    "fail",
    /\/tmp is not writable/,
    { id: "5.13", result: "PASS", differs: /ReadonlyRootfs only/ },
  ],
  [
    "read_only with a named volume at /tmp (kept between restarts)",
    "run-vol",
    (r) => {
      r.inspect.Mounts = [{ Type: "volume", Name: "scratch", Destination: "/tmp", RW: true }];
    },
    "fail",
    /\/tmp is a volume \/tmp, kept between restarts/,
    { id: "5.13", result: "PASS", differs: /ReadonlyRootfs only/ },
  ],
];

describe("hardening.rootfs.readonly on recorded containers", () => runVariants(v, evaluateReadOnly));
