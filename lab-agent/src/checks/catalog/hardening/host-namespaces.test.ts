import { describe } from "vitest";
import { evaluateHostNamespaces } from "./host-namespaces.ts";
import { host, type Variant } from "./test-support.ts";
import { runVariants } from "./variants.ts";

const v: Variant[] = [
  [
    "stack: the overlay network of the stack",
    "stack-hard",
    undefined,
    "pass",
    /keep their own network/,
    { id: "5.10", result: "PASS" },
  ],
  [
    "compose: the project's default network",
    "rec-hard-1",
    undefined,
    "pass",
    /own network/,
    { id: "5.16", result: "PASS" },
  ],
  [
    "docker run on the default bridge",
    "run-plain",
    undefined,
    "pass",
    /own network/,
    { id: "5.17", result: "PASS" },
  ],
  [
    "--pid container:<app> to debug another container (not the host's)",
    "run-plain",
    (r) => {
      host(r).PidMode = "container:3f2a";
    },
    "pass",
    /own network/,
    { id: "5.16", result: "PASS" },
  ],
  [
    "docker run --network host --pid host --ipc host",
    "run-bad",
    undefined,
    "fail",
    /shares the host's network, PID, IPC namespaces/,
    { id: "5.10", result: "WARN" },
  ],
  [
    "the same, as docker-bench's 5.16 sees it",
    "run-bad",
    undefined,
    "fail",
    /PID/,
    { id: "5.16", result: "WARN" },
  ],
  [
    "the same, as docker-bench's 5.17 sees it",
    "run-bad",
    undefined,
    "fail",
    /IPC/,
    { id: "5.17", result: "WARN" },
  ],
  [
    "compose: network_mode host",
    "rec-loose-1",
    (r) => {
      host(r).NetworkMode = "host";
    },
    "fail",
    /shares the host's network namespace/,
    { id: "5.10", result: "WARN" },
  ],
  [
    "stack: attached to the node's host network",
    "stack-hard",
    (r) => {
      host(r).NetworkMode = "host";
    },
    "fail",
    /network namespace/,
    { id: "5.10", result: "WARN" },
  ],
  [
    "--uts host: docker-bench judges it under 5.21",
    "run-plain",
    (r) => {
      host(r).UTSMode = "host";
    },
    "fail",
    /UTS namespace/,
    { id: "5.10", result: "PASS", differs: /5\.21/ },
  ],
];

describe("hardening.namespaces.private on recorded containers", () => runVariants(v, evaluateHostNamespaces));
