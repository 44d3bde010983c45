import { describe } from "vitest";
import { evaluateNonRoot } from "./nonroot.ts";
import type { Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const user = (u: string) => (r: { inspect: { Config?: { User?: string } } }) => {
  r.inspect.Config = { ...r.inspect.Config, User: u };
};
const v: Variant[] = [
  [
    "stack: user 1000 (the image's node user)",
    "stack-hard",
    undefined,
    "pass",
    /run as non-root/,
    { id: "4.1", result: "PASS" },
  ],
  [
    "compose: user: node, resolved through /etc/passwd",
    "rec-hard-1",
    undefined,
    "pass",
    /non-root/,
    { id: "4.1", result: "PASS" },
  ],
  ["docker run --user 1000:1000", "run-hard", undefined, "pass", /non-root/, { id: "4.1", result: "PASS" }],
  [
    "docker run --user 1000:0 (group root is allowed)",
    "run-hard",
    user("1000:0"),
    "pass",
    /non-root/,
    { id: "4.1", result: "PASS" },
  ],
  [
    "docker run with no --user on an image with no USER: root",
    "run-plain",
    undefined,
    "fail",
    /runs as root \(Config\.User "" is uid 0\)/,
    { id: "4.1", result: "WARN" },
  ],
  ["compose: user: root", "rec-loose-1", undefined, "fail", /runs as root/, { id: "4.1", result: "WARN" }],
  ["docker run --user 0", "run-bad", undefined, "fail", /runs as root/, { id: "4.1", result: "WARN" }],
  [
    "docker run --user root:root: docker-bench misses the uid:gid form",
    "run-vol",
    undefined,
    "fail",
    /"root:root" is uid 0/,
    { id: "4.1", result: "PASS", differs: /compares Config\.User "root:root" with "0", "root" and "" only/ },
  ],
  [
    'stack: user "0:0" to debug a permission error',
    "stack-hard",
    user("0:0"),
    "fail",
    /"0:0" is uid 0/,
    { id: "4.1", result: "PASS", differs: /"0:0"/ },
  ],
  [
    "a user named toor with uid 0 in the image's passwd",
    "run-hard",
    (r) => {
      user("toor")(r);
      r.passwd = `${r.passwd}toor:x:0:0::/root:/bin/sh\n`;
    },
    "fail",
    /"toor" is uid 0/,
    { id: "4.1", result: "PASS", differs: /resolved it is uid 0/ },
  ],
  [
    "Config.User says node but PID 1 runs as 0 (a wrapper that never drops)",
    "rec-hard-1",
    (r) => {
      r.procStatus = (r.procStatus ?? "").replace(/^Uid:.*$/m, "Uid:\t0\t0\t0\t0");
    },
    "fail",
    /PID 1 runs as uid 0/,
  ],
];

describe("hardening.user.nonroot on recorded containers", () => runVariants(v, evaluateNonRoot));
