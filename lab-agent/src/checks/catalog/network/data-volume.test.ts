import { describe, expect, it } from "vitest";
import { type DataFacts, evaluateDataVolume, holder } from "./data-volume.ts";
import { fixtureJson, renamed } from "./fixtures.ts";
import type { Inspect } from "./shared.ts";

type Vol = NonNullable<DataFacts["volume"]>;
const volumes = fixtureJson<Vol[]>("inspect/volumes.json");
/** The facts as collected: the recorded container as reg-case-postgres, the volume at its data path. */
function facts(name: string, app?: Inspect, change: (i: Inspect) => void = () => {}): DataFacts {
  const db = renamed(name, "reg-case-postgres", change);
  const m = holder(
    db,
    db.Config.Env?.find((e) => e.startsWith("PGDATA="))?.slice(7) ?? "/var/lib/postgresql/data",
  );
  return { db, app, volume: volumes.find((v) => v.Name === m?.Name) };
}
const app = (change: (i: Inspect) => void = () => {}) =>
  renamed("app-link", "case-api", (i) => {
    i.Config.WorkingDir = "/app";
    change(i);
  });
const sourceBind = (env: string[]) => (i: Inspect) => {
  i.Config.Env = [...(i.Config.Env ?? []), ...env];
  i.Mounts = [
    {
      Type: "bind",
      Source: "/workspace/reg-case-platform",
      Destination: "/app",
      Mode: "",
      RW: true,
      Propagation: "rprivate",
    },
  ] as Inspect["Mounts"];
};

const variants: Array<{ name: string; f: DataFacts; status: "pass" | "fail"; summary: RegExp }> = [
  // right
  {
    name: "recorded: -v pg-named:/var/lib/postgresql/data",
    f: facts("pg-loopback", app()),
    status: "pass",
    summary:
      /keeps \/var\/lib\/postgresql\/data in the named volume pg-named; case-api runs its image's code/,
  },
  {
    name: "recorded: --mount type=volume,src=pg-mounted,dst=…",
    f: facts("pg-mount"),
    status: "pass",
    summary: /in the named volume pg-mounted\.$/,
  },
  {
    name: "recorded: Compose volumes: [pgdata:/var/lib/postgresql/data]",
    f: facts("rec-compose-postgres-1"),
    status: "pass",
    summary: /in the named volume rec-compose_pgdata/,
  },
  {
    name: "the named volume one level up (-v pgdata:/var/lib/postgresql, as postgres 18 images do)",
    f: facts("pg-mount", undefined, (i) => {
      (i.Mounts[0] as { Destination: string }).Destination = "/var/lib/postgresql";
    }),
    status: "pass",
    summary: /named volume pg-mounted/,
  },
  {
    name: "source bind-mounted into the app in development mode (APP_ENV=development)",
    f: facts("pg-loopback", app(sourceBind(["APP_ENV=development"]))),
    status: "pass",
    summary: /bind-mounts its source in development mode/,
  },
  // wrong
  {
    name: "recorded: no -v, the image's VOLUME (an anonymous volume)",
    f: facts("pg-published"),
    status: "fail",
    summary: /in an anonymous volume \(39963944ff28…/,
  },
  {
    name: "an anonymous volume on an engine that does not label it (64-hex name)",
    f: { ...facts("pg-published"), volume: undefined },
    status: "fail",
    summary: /anonymous volume/,
  },
  {
    name: "recorded: a bind mount -v /workspace/pgdata:/var/lib/postgresql/data",
    f: facts("pg-bind"),
    status: "fail",
    summary: /in a bind mount of \/workspace\/pgdata/,
  },
  {
    name: "recorded: PGDATA=/pgdata while the volume is at the default path",
    f: facts("pg-pgdata-moved"),
    status: "fail",
    summary: /keeps \/pgdata in its container layer/,
  },
  {
    name: "recorded: --tmpfs /var/lib/postgresql/data",
    f: facts("pg-tmpfs"),
    status: "fail",
    summary: /on a tmpfs/,
  },
  {
    name: "source bind-mounted into the app with APP_ENV=production",
    f: facts("pg-loopback", app(sourceBind(["APP_ENV=production"]))),
    status: "fail",
    summary: /case-api runs with its source bind-mounted .* in production mode/,
  },
  {
    name: "source bind-mounted into the app with no mode set",
    f: facts("pg-loopback", app(sourceBind([]))),
    status: "fail",
    summary: /APP_ENV unset/,
  },
  {
    name: "no postgres container (a fresh lab)",
    f: { db: undefined, app: undefined },
    status: "fail",
    summary: /There is no container named reg-case-postgres/,
  },
];

describe("storage.data.volume", () => {
  it.each(variants)("$name → $status", ({ f, status, summary }) => {
    const r = evaluateDataVolume(f, { container: "reg-case-postgres", app: "case-api" });
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });
});
