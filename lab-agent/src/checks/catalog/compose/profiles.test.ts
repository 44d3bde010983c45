import { describe } from "vitest";
import { evaluateProfiles } from "./profiles.ts";
import { table } from "./table.ts";
import { facts, params } from "./test-support.ts";

const f = (v: string) => () => facts(v);
describe("compose.profiles", () => {
  table(
    [
      [
        "the reference: seed (seed), debug (debug)",
        f("reference"),
        "pass",
        /seed \(seed\), debug \(debug\); a plain up starts api, worker, migrate, postgres, redis only/,
      ],
      ["the seed's layout: mailhog behind debug", f("seed-layout"), "pass", /mailhog \(debug\)/],
      ["three -f files and an env file", f("several-files"), "pass", /seed \(seed\)/],
      ["image from .env", f("env-file"), "pass", /seed \(seed\)/],
      ["anchors in the base, the reference override", f("anchors"), "pass", /debug \(debug\)/],
      [
        "seed without profiles: every up seeds",
        f("seed-no-profile"),
        "fail",
        /seed has no profile, so every plain up seeds demo data/,
      ],
      ["no debug tool", f("no-debug"), "fail", /no debug tool sits behind a profile/],
      [
        "worker behind profiles: [app]",
        f("core-profiled"),
        "fail",
        /worker is behind a profile, so a plain up does not start it/,
      ],
      ["no override: no seed, no tools", f("base-only"), "fail", /there is no seed job/],
      ["an override Compose rejects", f("override-full-copy"), "fail", /docker compose config rejects it/],
    ],
    (x) => evaluateProfiles(x, params),
  );
});
