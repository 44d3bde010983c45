import { describe, expect, it } from "vitest";
import { fixtureJson, inspect } from "./fixtures.ts";
import { type DnsFacts, evaluateDns, parseProbe, targetOf } from "./service-dns.ts";

/** What the probe collected in the lab, with `from`/`to` as the check was asked (see fixtures/README.md). */
const recorded = (name: string, change: (f: DnsFacts) => void = () => {}) => {
  const f = fixtureJson<DnsFacts>(`dns/${name}.json`);
  change(f);
  return f;
};
const names = (f: DnsFacts) => ({
  from: f.from?.Name.slice(1) ?? "case-api",
  to: f.to?.Name.slice(1) ?? "reg-case-postgres",
});

const variants: Array<{ name: string; f: DnsFacts; status: "pass" | "fail" | "error"; summary: RegExp }> = [
  // right
  {
    name: "recorded: both on a user-defined network, by container name",
    f: recorded("user-network"),
    status: "pass",
    summary:
      /From pg-mount, pg-loopback resolves to 172\.19\.0\.2 \(pg-loopback on the network rec-net\) and port 5432 accepts/,
  },
  {
    name: "recorded: Compose's default network, by container name",
    f: recorded("compose-default-network"),
    status: "pass",
    summary: /on the network rec-compose_default/,
  },
  {
    name: "a network alias in DATABASE_URL (--network-alias db)",
    f: recorded("user-network", (f) => {
      f.target = { host: "db", port: 5432, env: "DATABASE_URL" };
    }),
    status: "pass",
    summary: /^From pg-mount, db resolves to 172\.19\.0\.2 \(pg-loopback/,
  },
  {
    name: "a non-default port taken from the URL",
    f: recorded("user-network", (f) => {
      f.target = { host: "pg-loopback", port: 6543, env: "DATABASE_URL" };
    }),
    status: "pass",
    summary: /port 6543 accepts/,
  },
  // wrong
  {
    name: "recorded: the default bridge with --link",
    f: recorded("default-bridge-link"),
    status: "fail",
    summary: /on the default bridge, which has no name resolution \(--link only writes \/etc\/hosts/,
  },
  {
    name: "recorded: the app on another user-defined network than the database",
    f: recorded("other-network"),
    status: "fail",
    summary: /pg-mount does not resolve in rec-compose-web-1: it shares no network with pg-mount/,
  },
  {
    name: "DATABASE_URL at localhost (worked when postgres was published on the host)",
    f: recorded("user-network", (f) => {
      f.target = { host: "localhost", port: 5432, env: "DATABASE_URL" };
      f.probe = undefined;
    }),
    status: "fail",
    summary: /told to reach pg-loopback at localhost: inside a container that is the container itself/,
  },
  {
    name: "DATABASE_URL at the container's IP address (copied from docker inspect)",
    f: recorded("user-network", (f) => {
      f.target = { host: "172.19.0.2", port: 5432, env: "DATABASE_URL" };
      f.probe = undefined;
    }),
    status: "fail",
    summary: /by IP address \(172\.19\.0\.2\)/,
  },
  {
    name: "the app in the host's network (--network host)",
    f: recorded("user-network", (f) => {
      f.from = inspect("pg-host-net");
      f.probe = undefined;
    }),
    status: "fail",
    summary: /runs in the host's network: it has no container DNS/,
  },
  {
    name: "the name resolves, but the port is wrong (5433: nothing listens)",
    f: recorded("user-network", (f) => {
      f.target = { host: "pg-loopback", port: 5433, env: "DATABASE_URL" };
      if (f.probe)
        f.probe.connects = [
          {
            ip: "172.19.0.2",
            code: 1,
            error: "nc: can't connect to remote host (172.19.0.2): Connection refused",
          },
        ];
    }),
    status: "fail",
    summary:
      /resolves to 172\.19\.0\.2 \(pg-loopback\) but nothing accepts a connection on port 5433 \(nc: can't connect/,
  },
  {
    name: "the alias answers for another container (a stale 'db' left on the network)",
    f: recorded("user-network", (f) => {
      if (f.probe) f.probe.addresses = ["172.19.0.9"];
    }),
    status: "fail",
    summary: /resolves in pg-mount to 172\.19\.0\.9, which is not pg-loopback/,
  },
  {
    name: "the database is not running",
    f: recorded("user-network", (f) => {
      if (f.to) f.to.State.Running = false;
      if (f.to) f.to.State.Status = "exited";
    }),
    status: "fail",
    summary: /The container pg-loopback is exited/,
  },
  {
    name: "the probe could not run (busybox not pullable)",
    f: recorded("user-network", (f) => {
      f.probe = undefined;
      f.probeError = "pull access denied";
    }),
    status: "error",
    summary: /^Can't tell, because the probe did not run: pull access denied/,
  },
];

describe("network.dns.probe", () => {
  it.each(variants)("$name → $status", ({ f, status, summary }) => {
    const r = evaluateDns(f, names(f));
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("reads the host and port of DATABASE_URL, with the scheme's default port", () => {
    const app = inspect("app-link", (i) => {
      i.Config.Env = [
        "DATABASE_URL=postgres://case:p%40ss@reg-case-postgres/case",
        "REDIS_URL=redis://cache:6380/0",
      ];
    });
    const fallback = { host: "x", port: 1 };
    expect(targetOf(app, "DATABASE_URL", fallback)).toEqual({
      host: "reg-case-postgres",
      port: 5432,
      env: "DATABASE_URL",
    });
    expect(targetOf(app, "REDIS_URL", fallback)).toEqual({ host: "cache", port: 6380, env: "REDIS_URL" });
    expect(targetOf(app, "NOPE", fallback)).toEqual({ host: "x", port: 1, env: undefined });
  });

  it("parses busybox nslookup's answer, skipping the server's own address", () => {
    const p = parseProbe(
      "nslookup-exit=0\nns: Server:\t\t127.0.0.11\nns: Address:\t127.0.0.11:53\nns: \nns: Name:\tdb\nns: Address: 172.19.0.3\naddresses=172.19.0.3 \nconnect 172.19.0.3=0 \n",
    );
    expect(p.addresses).toEqual(["172.19.0.3"]);
    expect(p.connects).toEqual([{ ip: "172.19.0.3", code: 0 }]);
  });
});
