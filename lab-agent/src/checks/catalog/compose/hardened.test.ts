import { describe } from "vitest";
import { evaluateHardened } from "./hardened.ts";
import { table } from "./table.ts";
import { facts, params } from "./test-support.ts";

const f = (v: string) => () => facts(v);
describe("compose.hardened", () => {
  table(
    [
      [
        "the reference",
        f("reference"),
        "pass",
        /read-only with a tmpfs, all capabilities dropped, no-new-privileges/,
      ],
      [
        "cap_drop: [all] lowercase and security_opt: [no-new-privileges] bare",
        f("cap-lower"),
        "pass",
        /all capabilities dropped/,
      ],
      ["hardening in a YAML anchor merged into each app service", f("anchors"), "pass", /no-new-privileges/],
      ["hardening inherited through extends", f("extends"), "pass", /no-new-privileges/],
      ["the seed's layout", f("seed-layout"), "pass", /no-new-privileges/],
      [
        "hardening only in compose.dev.yml",
        f("hardening-dev-only"),
        "fail",
        /api in compose\.yml lacks read_only.*only compose\.dev\.yml sets it/,
      ],
      [
        "read_only: false and cap_drop: !reset [] in the override",
        f("override-unhardens"),
        "fail",
        /api as run lacks read_only, cap_drop: \[ALL\]: the override undoes/,
      ],
      [
        'security_opt: ["no-new-privileges=false"]',
        f("nnp-false"),
        "fail",
        /no-new-privileges \(it is set to false\)/,
      ],
      ["read_only without a tmpfs", f("no-tmpfs"), "fail", /lacks a tmpfs for \/tmp/],
      ["an override Compose rejects (security_opt twice)", f("override-full-copy"), "fail", /must be unique/],
    ],
    (x) => evaluateHardened(x, params),
  );
});
