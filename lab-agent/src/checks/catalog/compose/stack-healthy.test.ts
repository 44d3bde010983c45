import { describe } from "vitest";
import { evaluateStackHealthy } from "./stack-healthy.ts";
import { table } from "./table.ts";
import { type Ctr, facts, params, service } from "./test-support.ts";

const run = (edit: (cs: Ctr[]) => void) => () => facts("reference", edit);
const health =
  (svc: string, Status: string, Output = "") =>
  (cs: Ctr[]) => {
    const c = service(cs, svc);
    (c.State as { Health: unknown }).Health = { Status, FailingStreak: 3, Log: [{ ExitCode: 1, Output }] };
  };
const exited = (svc: string, code: number) => (cs: Ctr[]) => {
  const c = service(cs, svc);
  Object.assign(c.State, { Running: false, Status: "exited", ExitCode: code });
};
describe("compose.stack.healthy", () => {
  table(
    [
      [
        "recorded: the solved stack",
        run(() => {}),
        "pass",
        /api, worker, postgres, redis running, healthy; migrate exited 0/,
      ],
      [
        "redis without a healthcheck (running)",
        run((cs) => {
          delete (service(cs, "redis").State as { Health?: unknown }).Health;
        }),
        "pass",
        /redis without a healthcheck/,
      ],
      [
        "a one-off seed container from compose run (ignored)",
        run((cs) => {
          const s = structuredClone(service(cs, "migrate"));
          (s.Config.Labels as Record<string, string>)["com.docker.compose.oneoff"] = "True";
          s.State.ExitCode = 65;
          cs.push(s);
        }),
        "pass",
        /migrate exited 0/,
      ],
      ["worker and api healthy, three -f files", () => facts("several-files", () => {}), "pass", /healthy/],
      [
        "worker exited 78 (REDIS_URL host:port)",
        run(exited("worker", 78)),
        "fail",
        /worker is exited \(exit 78\)/,
      ],
      [
        "api unhealthy: its probe fails",
        run(health("api", "unhealthy", "fetch failed")),
        "fail",
        /api is running, unhealthy \(last probe: fetch failed\)/,
      ],
      ["api still starting", run(health("api", "starting")), "fail", /api is still starting/],
      ["migrate exited 65", run(exited("migrate", 65)), "fail", /migrate is exited \(exit 65\)/],
      [
        "worker runs an older image than api",
        run((cs) => {
          service(cs, "worker").Image = "sha256:old";
        }),
        "fail",
        /run different images/,
      ],
      [
        "no redis container",
        run((cs) => cs.splice(cs.indexOf(service(cs, "redis")), 1)),
        "fail",
        /redis has no container/,
      ],
      ["the project is not running", () => facts("reference"), "fail", /has no containers on laptop/],
    ],
    (x) => evaluateStackHealthy(x, params),
  );
});
