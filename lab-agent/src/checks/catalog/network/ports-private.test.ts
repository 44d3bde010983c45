import { describe, expect, it } from "vitest";
import { inspect, renamed } from "./fixtures.ts";
import { evaluatePorts } from "./ports-private.ts";
import type { Inspect } from "./shared.ts";

/** The recorded nginx with -p 8080:80, as the app on port 80. */
const app = (change: (i: Inspect) => void = () => {}) => renamed("app-link", "case-api", change);
const running = (i: Inspect) => {
  i.State.Running = true;
  i.State.Status = "running";
};

const variants: Array<{
  name: string;
  all: Inspect[];
  app?: string;
  status: "pass" | "fail";
  summary: RegExp;
}> = [
  // right
  {
    name: "recorded: the app -p 8080:80, redis unpublished, postgres on 127.0.0.1:5433",
    all: [app(), inspect("redis-link-target"), inspect("pg-loopback")],
    status: "pass",
    summary: /case-api publishes 0\.0\.0\.0:8080->80\/tcp on purpose; 2 database\/cache/,
  },
  {
    name: "recorded Compose project: web publishes 8088:80, postgres publishes nothing",
    all: [inspect("rec-compose-web-1"), inspect("rec-compose-postgres-1")],
    app: "web",
    status: "pass",
    summary: /publishes 0\.0\.0\.0:8088->80\/tcp on purpose/,
  },
  {
    name: 'postgres on IPv6 loopback -p "[::1]:5434:5432"',
    all: [app(), inspect("pg-ipv6-loopback", running)],
    status: "pass",
    summary: /on purpose; 1 database\/cache/,
  },
  {
    name: "the app itself on 127.0.0.1 only, no database running yet",
    all: [
      app((i) => {
        i.NetworkSettings.Ports = { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }] };
      }),
    ],
    status: "pass",
    summary: /127\.0\.0\.1:8080->80\/tcp on purpose; no database or cache runs/,
  },
  {
    name: "a stopped postgres that once published 5432 does not count (nothing listens)",
    all: [app(), inspect("pg-published", (i) => (i.State.Running = false))],
    status: "pass",
    summary: /no database or cache runs/,
  },
  // wrong
  {
    name: "recorded: postgres -p 5432:5432 (every interface)",
    all: [app(), inspect("pg-published")],
    status: "fail",
    summary: /pg-published publishes 0\.0\.0\.0:5432->5432\/tcp on every interface/,
  },
  {
    name: "recorded: postgres -P (EXPOSE 5432 on a random port)",
    all: [app(), inspect("pg-publish-all")],
    status: "fail",
    summary: /0\.0\.0\.0:32768->5432\/tcp on every interface \(-P publishes every EXPOSEd port\)/,
  },
  {
    name: "recorded: postgres --network host",
    all: [app(), inspect("pg-host-net")],
    status: "fail",
    summary: /pg-host-net runs in the host's network/,
  },
  {
    name: "recorded: redis -p 6379:6379",
    all: [app(), inspect("redis-published")],
    status: "fail",
    summary: /redis-published publishes 0\.0\.0\.0:6379->6379\/tcp/,
  },
  {
    name: "postgres bound to the laptop's LAN address (-p 192.168.1.20:5432:5432)",
    all: [
      app(),
      inspect("pg-published", (i) => {
        i.NetworkSettings.Ports = { "5432/tcp": [{ HostIp: "192.168.1.20", HostPort: "5432" }] };
      }),
    ],
    status: "fail",
    summary: /publishes 192\.168\.1\.20:5432->5432\/tcp\./,
  },
  {
    name: "the app published only through -P",
    all: [
      app((i) => {
        i.HostConfig.PortBindings = {};
        i.HostConfig.PublishAllPorts = true;
        i.NetworkSettings.Ports = { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32769" }] };
      }),
    ],
    status: "fail",
    summary: /case-api publishes 80\/tcp only through -P, on a random host port \(0\.0\.0\.0:32769/,
  },
  {
    name: "the app also publishes its debugger port (9229)",
    all: [
      app((i) => {
        i.NetworkSettings.Ports = {
          "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }],
          "9229/tcp": [{ HostIp: "0.0.0.0", HostPort: "9229" }],
        };
      }),
    ],
    status: "fail",
    summary: /also publishes 0\.0\.0\.0:9229->9229\/tcp/,
  },
  {
    name: "the app publishes nothing",
    all: [inspect("redis-link-target", (i) => (i.Name = "/case-api"))],
    status: "fail",
    summary: /case-api does not publish 80\/tcp/,
  },
  {
    name: "no app container (a fresh lab)",
    all: [],
    status: "fail",
    summary: /There is no container named case-api/,
  },
];

describe("network.ports.private", () => {
  it.each(variants)("$name → $status", ({ all, app, status, summary }) => {
    const r = evaluatePorts(all, { app: app ?? "case-api", appPort: 80 });
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });
});
