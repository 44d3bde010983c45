import { describe } from "vitest";
import { evaluateMigrateOneShot } from "./migrate-oneshot.ts";
import { table } from "./table.ts";
import { type Ctr, facts, params, service } from "./test-support.ts";

const run =
  (v: string, edit: (cs: Ctr[]) => void = () => {}) =>
  () =>
    facts(v, edit);
const migrate = (edit: (c: Ctr) => void) => (cs: Ctr[]) => edit(service(cs, "migrate"));
describe("compose.migrate.oneshot", () => {
  table(
    [
      [
        "recorded: the solved stack, migrate Exited (0)",
        run("reference"),
        "pass",
        /one-shot job \(restart "no"\) and exited 0/,
      ],
      ['restart: no unquoted: Compose 2.26 keeps it as "no"', run("restart-no-bare"), "pass", /exited 0/],
      ["restart left unset (Docker's default is no)", run("anchors"), "pass", /exited 0/],
      ["extends from common.yml", run("extends"), "pass", /exited 0/],
      [
        "restart: unless-stopped from the shared anchor",
        run("migrate-unless-stopped"),
        "fail",
        /restart: unless-stopped: Docker starts it again after it exits 0/,
      ],
      [
        "migrate exited 1 (a migration error)",
        run(
          "reference",
          migrate((c) => {
            c.State.ExitCode = 1;
          }),
        ),
        "fail",
        /migrate exited 1, so nothing gated/,
      ],
      [
        "migrate still running (waiting on a lock)",
        run(
          "reference",
          migrate((c) => {
            c.State.Running = true;
            c.State.Status = "running";
          }),
        ),
        "fail",
        /migrate is still running/,
      ],
      [
        "migrate restarted by hand policy (RestartCount 3)",
        run(
          "reference",
          migrate((c) => {
            c.RestartCount = 3;
          }),
        ),
        "fail",
        /restarted 3 time/,
      ],
      ["the project is not running", () => facts("reference"), "fail", /has no containers on laptop/],
      [
        "the migrate container was removed (docker compose rm)",
        run("reference", (cs) => cs.splice(cs.indexOf(service(cs, "migrate")), 1)),
        "fail",
        /has no migrate container/,
      ],
    ],
    (x) => evaluateMigrateOneShot(x, params),
  );
});
