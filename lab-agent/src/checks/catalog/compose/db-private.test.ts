import { describe } from "vitest";
import { evaluateDbPrivate } from "./db-private.ts";
import { table } from "./table.ts";
import { type Ctr, facts, params, service } from "./test-support.ts";

const f = (v: string) => () => facts(v);
const bound = (svc: string, port: string, HostIp: string) => () =>
  facts("reference", (cs: Ctr[]) => {
    (service(cs, svc).NetworkSettings as { Ports: unknown }).Ports = {
      [port]: [{ HostIp, HostPort: port.split("/")[0] }],
    };
  });
describe("compose.db.private", () => {
  table(
    [
      [
        "the reference, and the solved containers (5432/tcp: null, exposed only)",
        () => facts("reference", () => {}),
        "pass",
        /publish no port in compose\.yml or as run/,
      ],
      [
        "127.0.0.1:5432:5432 in compose.dev.yml, redis expose: [6379]",
        f("pg-loopback-dev"),
        "pass",
        /postgres on 127\.0\.0\.1:5432->5432 for local tools, loopback only/,
      ],
      ["data services from include: data.yml", f("include"), "pass", /publish no port/],
      [
        "the seed's layout (mailhog publishes 8025, not a data service)",
        f("seed-layout"),
        "pass",
        /publish no port/,
      ],
      [
        "postgres bound on 127.0.0.1 only (recorded container)",
        bound("postgres", "5432/tcp", "127.0.0.1"),
        "pass",
        /publish no port/,
      ],
      [
        '"5432:5432" on postgres in compose.yml',
        f("pg-published"),
        "fail",
        /compose\.yml publishes postgres on 0\.0\.0\.0:5432->5432/,
      ],
      [
        'ports: ["5432"]: a random host port',
        f("pg-random-port"),
        "fail",
        /0\.0\.0\.0:\(random\)->5432 \(a random host port is still a published port/,
      ],
      [
        "long syntax, host_ip 0.0.0.0, in the override",
        f("redis-long-port"),
        "fail",
        /as run, redis is published on 0\.0\.0\.0:6379->6379/,
      ],
      [
        "network_mode: host on postgres in the override",
        f("pg-host-network"),
        "fail",
        /as run, postgres is published on .*network_mode: host/,
      ],
      [
        "files fixed, but the running postgres still bound on 0.0.0.0:5432",
        bound("postgres", "5432/tcp", "0.0.0.0"),
        "fail",
        /running postgres container is bound on 0\.0\.0\.0:5432->5432\/tcp/,
      ],
    ],
    (x) => evaluateDbPrivate(x, params),
  );
});
