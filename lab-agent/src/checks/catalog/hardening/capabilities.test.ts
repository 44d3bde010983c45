import { describe, expect, it } from "vitest";
import { evaluateCaps, normalizeCap } from "./capabilities.ts";
import { benchCapsAdded } from "./docker-bench.ts";
import { host, type Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const v: Variant[] = [
  [
    "stack: cap_drop [ALL]",
    "stack-hard",
    undefined,
    "pass",
    /drop ALL capabilities/,
    { id: "5.4", result: "PASS" },
  ],
  ["compose: cap_drop [ALL]", "rec-hard-1", undefined, "pass", /drop ALL/, { id: "5.4", result: "PASS" }],
  [
    "docker run --cap-drop ALL --cap-add NET_BIND_SERVICE",
    "run-hard",
    undefined,
    "pass",
    /add back at most NET_BIND_SERVICE/,
    { id: "5.4", result: "PASS" },
  ],
  [
    "a raw API client's lower-case all / net_bind_service",
    "run-hard",
    (r) => {
      host(r).CapDrop = ["all"];
      host(r).CapAdd = ["net_bind_service"];
    },
    "pass",
    /drop ALL/,
    { id: "5.4", result: "PASS" },
  ],
  [
    "docker run with no cap flags: Docker's defaults; docker-bench never requires ALL",
    "run-plain",
    undefined,
    "fail",
    /keeps Docker's default capabilities/,
    { id: "5.4", result: "PASS", differs: /never requires cap_drop ALL/ },
  ],
  [
    "compose: cap_add SYS_PTRACE, no cap_drop",
    "rec-loose-1",
    undefined,
    "fail",
    /keeps Docker's default/,
    { id: "5.4", result: "WARN" },
  ],
  [
    "docker run --cap-add SYS_ADMIN --cap-add net_raw",
    "run-bad",
    undefined,
    "fail",
    /keeps Docker's default/,
    { id: "5.4", result: "WARN" },
  ],
  [
    "stack: cap_add SYS_ADMIN (the copied fuse example)",
    "stack-loose",
    undefined,
    "fail",
    /keeps Docker's default/,
    { id: "5.4", result: "WARN" },
  ],
  [
    "cap_drop ALL then cap_add NET_RAW and CHOWN back: docker-bench allows defaults",
    "run-hard",
    (r) => {
      host(r).CapAdd = ["CAP_NET_RAW", "CAP_CHOWN"];
    },
    "fail",
    /adds NET_RAW, CHOWN back after dropping ALL/,
    { id: "5.4", result: "PASS", differs: /add back any of Docker's default capabilities/ },
  ],
  [
    "cap_add ALL",
    "run-plain",
    (r) => {
      host(r).CapAdd = ["ALL"];
    },
    "fail",
    /adds ALL capabilities/,
    { id: "5.4", result: "WARN" },
  ],
  [
    "--privileged, even with cap_drop ALL",
    "run-hard",
    (r) => {
      host(r).Privileged = true;
    },
    "fail",
    /runs privileged/,
    { id: "5.5", result: "WARN" },
  ],
];

describe("hardening.capabilities on recorded containers", () => {
  runVariants(v, evaluateCaps);
  it("normalizes names and reads CapAdd as docker-bench's sed does", () => {
    expect(normalizeCap("cap_net_raw")).toBe("NET_RAW");
    expect(benchCapsAdded({ HostConfig: { CapAdd: ["CAP_NET_RAW", "chown"] } })).toBeNull();
    expect(benchCapsAdded({ HostConfig: { CapAdd: ["CAP_SYS_ADMIN"] } })).toBe("CapAdd=[CAP_SYS_ADMIN]");
    expect(benchCapsAdded({ HostConfig: { CapAdd: null } })).toBeNull();
  });
});
