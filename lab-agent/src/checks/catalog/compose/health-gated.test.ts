import { describe } from "vitest";
import { evaluateHealthGated } from "./health-gated.ts";
import { table } from "./table.ts";
import { facts, params } from "./test-support.ts";

const f = (v: string) => () => facts(v);
describe("compose.health.gated", () => {
  table(
    [
      [
        "the reference",
        f("reference"),
        "pass",
        /start once postgres and redis are healthy and migrate exited 0/,
      ],
      ["conditions shared through a YAML anchor (depends_on: *gated)", f("anchors"), "pass", /healthy/],
      ["data services from include: data.yml", f("include"), "pass", /healthy/],
      [
        "three -f files and an --env-file, as the running project's labels list them",
        f("several-files"),
        "pass",
        /healthy/,
      ],
      ["the seed's layout (mailhog, develop.watch)", f("seed-layout"), "pass", /healthy/],
      [
        "depends_on as a list: start order only",
        f("depends-list"),
        "fail",
        /api starts once postgres is service_started, not service_healthy/,
      ],
      [
        "migrate: service_started (api may start before the schema exists)",
        f("depends-started"),
        "fail",
        /starts once migrate is service_started, not service_completed_successfully/,
      ],
      [
        "postgres without a healthcheck, waited on as service_healthy",
        f("no-pg-healthcheck"),
        "fail",
        /postgres has no healthcheck, so service_healthy on it can never be met/,
      ],
      [
        "healthcheck: disable: true on api in the override",
        f("healthcheck-disabled"),
        "fail",
        /api has healthcheck: disable: true/,
      ],
      [
        "restart: no, unquoted (Compose 2.26 reads it as the string no): still gated",
        f("restart-no-bare"),
        "pass",
        /healthy/,
      ],
      ["a file Compose rejects", f("typo"), "fail", /Additional property imagee/],
    ],
    (x) => evaluateHealthGated(x, params),
  );
});
