import type Docker from "dockerode";
import { z } from "zod";
import type { CheckContext } from "../../check-definition.ts";
import { type CheckOutcome, fail } from "../../check-result.ts";
import { CHECK_LABEL, inspectContainer } from "../../engine-reads.ts";

/** Container names as Docker accepts them (at least two characters: Docker 26 refuses `--name a`). */
export const NameParam = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);

export const CTR_SOURCE = "laptop: GET /containers/{name}/json";

export type Inspect = Docker.ContainerInspectInfo;

export function collectContainer(ctx: CheckContext, name: string): Promise<Inspect | undefined> {
  return ctx.memo(`container:${name}`, async () => inspectContainer(await ctx.lab.engine("laptop"), name));
}

/** Every container on laptop but the checks' own scratch containers, inspected. */
export function collectAllContainers(ctx: CheckContext): Promise<Inspect[]> {
  return ctx.memo("laptop:containers", async () => {
    const docker = await ctx.lab.engine("laptop");
    const list = await docker.listContainers({ all: true });
    const out: Inspect[] = [];
    for (const c of list) {
      if (c.Labels?.[CHECK_LABEL]) continue;
      const info = await inspectContainer(docker, c.Id);
      if (info) out.push(info);
    }
    return out;
  });
}

/** `/reg-case-postgres` → `reg-case-postgres`. */
export const nameOf = (info: Inspect) => info.Name.replace(/^\//, "");

/** A fail when the container is missing or not running, else undefined. */
export function notRunning(name: string, info: Inspect | undefined): CheckOutcome | undefined {
  if (info?.State.Running) return undefined;
  return fail(
    info
      ? `The container ${name} is ${info.State.Status}, not running.`
      : `There is no container named ${name} on laptop.`,
    [
      {
        source: CTR_SOURCE,
        field: "State.Status",
        observed: info?.State.Status ?? "404 no such container",
        expected: `${name} running`,
      },
    ],
  );
}

/** Images and container ports of the databases and caches a learner's stack runs. */
const DATA_IMAGES =
  /^(postgres|postgis|timescaledb|mysql|mariadb|mongo|redis|valkey|keydb|memcached|rabbitmq|elasticsearch|opensearch|cassandra|clickhouse|minio)$/;
const DATA_PORTS = new Set([
  "5432/tcp",
  "3306/tcp",
  "27017/tcp",
  "6379/tcp",
  "11211/tcp",
  "5672/tcp",
  "9200/tcp",
  "9042/tcp",
]);

/** The repository's last path part: `registry:5000/library/postgres:17@sha…` → `postgres`. */
export function imageName(ref: string): string {
  const noDigest = ref.split("@")[0] ?? ref;
  const last = noDigest.split("/").pop() ?? noDigest;
  return last.split(":")[0] ?? last;
}

/** Why a container is a database or cache (its image or a port it listens on), or undefined. */
export function dataService(info: Inspect): string | undefined {
  const image = imageName(info.Config.Image ?? "");
  if (DATA_IMAGES.test(image)) return `image ${info.Config.Image}`;
  const ports = [
    ...Object.keys(info.Config.ExposedPorts ?? {}),
    ...Object.keys(info.HostConfig.PortBindings ?? {}),
  ];
  const port = ports.find((p) => DATA_PORTS.has(p));
  return port ? `port ${port}` : undefined;
}

/** A Compose container's project and service, when Compose made it. */
export function composeService(info: Inspect): string | undefined {
  const l = info.Config.Labels ?? {};
  const project = l["com.docker.compose.project"];
  const service = l["com.docker.compose.service"];
  return project && service ? `${project}/${service}` : undefined;
}

/** A variable of the container's environment. */
export function envOf(info: Inspect, key: string): string | undefined {
  const line = (info.Config.Env ?? []).find((e) => e.startsWith(`${key}=`));
  return line === undefined ? undefined : line.slice(key.length + 1);
}
