import { describe } from "vitest";
import { evaluateDevOverride } from "./dev-override.ts";
import { table } from "./table.ts";
import { facts, params } from "./test-support.ts";

const up = (v: string) => () => facts(v, () => {});
describe("compose.dev.override", () => {
  table(
    [
      [
        "recorded: the solved stack, up with both files",
        up("reference"),
        "pass",
        /runs compose\.yml \+ compose\.dev\.yml; the override changes api, worker and adds debug, seed/,
      ],
      [
        "the seed's layout (build target, develop.watch, mailhog)",
        up("seed-layout"),
        "pass",
        /adds mailhog, seed/,
      ],
      [
        "three -f files (a personal compose.local.yml on top) and an --env-file",
        up("several-files"),
        "pass",
        /changes api, worker/,
      ],
      [
        "hardening moved to the override (compose.hardened judges that)",
        up("hardening-dev-only"),
        "pass",
        /changes api, worker/,
      ],
      [
        "127.0.0.1 postgres port for local tools in the override",
        up("pg-loopback-dev"),
        "pass",
        /changes .*postgres/,
      ],
      [
        "up from compose.yml alone (the labels list one file)",
        up("base-only"),
        "fail",
        /started from compose\.yml, without compose\.dev\.yml/,
      ],
      [
        "no compose.dev.yml, nothing running",
        () => facts("base-only"),
        "fail",
        /There is no reg-case-platform\/compose\.dev\.yml/,
      ],
      [
        "an override that changes nothing (services: {})",
        up("override-changes-nothing"),
        "fail",
        /changes nothing/,
      ],
      [
        "seed and debug tools in the base, a one-line override",
        up("tools-in-base"),
        "fail",
        /compose\.yml holds the dev tools debug, seed/,
      ],
      [
        "the whole base copied into the override (Compose rejects the merge)",
        up("override-full-copy"),
        "fail",
        /security_opt array items\[0,1\] must be unique/,
      ],
      [
        "files written, the stack never started",
        () => facts("reference"),
        "fail",
        /has no containers on laptop/,
      ],
    ],
    (x) => evaluateDevOverride(x, params),
  );
});
