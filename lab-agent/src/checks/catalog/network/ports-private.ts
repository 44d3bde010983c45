import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import {
  CTR_SOURCE,
  collectAllContainers,
  composeService,
  dataService,
  type Inspect,
  NameParam,
  nameOf,
} from "./shared.ts";

type Binding = { HostIp?: string; HostPort?: string };

/** One published port: container port, host address as Docker binds it, host port. */
export interface Published {
  port: string;
  hostIp: string;
  hostPort: string;
}

/**
 * What a container publishes: the live bindings when it runs (with `-P` they are the only record
 * of the random ports), else what it asked for (HostConfig.PortBindings; an empty HostIp means
 * every interface).
 */
export function published(info: Inspect): Published[] {
  const live = info.State.Running ? (info.NetworkSettings.Ports ?? {}) : {};
  const asked = (info.HostConfig.PortBindings ?? {}) as Record<string, Binding[] | null>;
  const source = Object.values(live).some((b) => b && b.length > 0) ? live : asked;
  const out: Published[] = [];
  for (const [port, bindings] of Object.entries(source as Record<string, Binding[] | null>))
    for (const b of bindings ?? []) out.push({ port, hostIp: b.HostIp ?? "", hostPort: b.HostPort ?? "" });
  // IPv4 and IPv6 entries of one publish (0.0.0.0 and ::) are one exposure.
  return out.filter(
    (p, i) =>
      out.findIndex(
        (q) =>
          q.port === p.port &&
          q.hostPort === p.hostPort &&
          allIfaces(q.hostIp) === allIfaces(p.hostIp) &&
          (allIfaces(p.hostIp) || q.hostIp === p.hostIp),
      ) === i,
  );
}

const allIfaces = (ip: string) => ip === "" || ip === "0.0.0.0" || ip === "::" || ip === "[::]";

export function loopback(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, "");
  return /^127\./.test(bare) || bare === "::1" || bare === "localhost";
}

const show = (p: Published) =>
  `${allIfaces(p.hostIp) ? "0.0.0.0" : p.hostIp.includes(":") ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort}->${p.port}`;

/** Whether the container is the app: its name, or the Compose service of that name. */
function isApp(info: Inspect, app: string): boolean {
  return nameOf(info) === app || composeService(info)?.split("/")[1] === app;
}

/**
 * Databases and caches publish nothing, or on a loopback address only; the app publishes its
 * port on purpose (`-p HOST:8080`, not `-P`'s random ports, not the host's network).
 */
export function evaluatePorts(all: readonly Inspect[], p: { app: string; appPort: number }): CheckOutcome {
  const running = all.filter((c) => c.State.Running);
  const evidence: Evidence[] = [];
  const exposed: string[] = [];
  for (const c of running) {
    const why = dataService(c);
    if (!why) continue;
    const name = nameOf(c);
    const pubs = published(c);
    const host = c.HostConfig.NetworkMode === "host";
    evidence.push({
      source: CTR_SOURCE,
      field: `${name}: published ports`,
      observed: host ? "network mode host" : pubs.map(show),
      expected: `none, or 127.0.0.1 only (a database or cache: ${why})`,
    });
    if (host) exposed.push(`${name} runs in the host's network (every port it listens on is the host's)`);
    const open = pubs.filter((q) => !loopback(q.hostIp));
    if (open.length > 0)
      exposed.push(
        `${name} publishes ${open.map(show).join(", ")}${open.some((q) => allIfaces(q.hostIp)) ? " on every interface" : ""}${c.HostConfig.PublishAllPorts ? " (-P publishes every EXPOSEd port)" : ""}`,
      );
  }
  const apps = running.filter((c) => isApp(c, p.app));
  const app = apps[0];
  const want = `${p.appPort}/tcp`;
  if (!app) {
    const stopped = all.find((c) => isApp(c, p.app));
    evidence.unshift({
      source: CTR_SOURCE,
      field: "State.Status",
      observed: stopped ? stopped.State.Status : "404 no such container",
      expected: `${p.app} running`,
    });
    return fail(
      `${stopped ? `The container ${p.app} is ${stopped.State.Status}, not running` : `There is no container named ${p.app} on laptop`}${exposed.length ? `; and ${exposed.join("; ")}` : ""}.`,
      evidence,
    );
  }
  const appPubs = published(app);
  evidence.unshift({
    source: CTR_SOURCE,
    field: `${nameOf(app)}: published ports`,
    observed: app.HostConfig.NetworkMode === "host" ? "network mode host" : appPubs.map(show),
    expected: `${want} published on purpose (-p <host port>:${p.appPort})`,
  });
  if (exposed.length > 0) return fail(`Reachable from outside laptop: ${exposed.join("; ")}.`, evidence);
  if (app.HostConfig.NetworkMode === "host")
    return fail(
      `${nameOf(app)} runs in the host's network: every port it listens on is published, none on purpose.`,
      evidence,
    );
  const appPort = appPubs.filter((q) => q.port === want);
  const asked = ((app.HostConfig.PortBindings ?? {}) as Record<string, Binding[] | null>)[want] ?? [];
  if (appPort.length === 0)
    return fail(`${nameOf(app)} does not publish ${want}: the app cannot be reached from laptop.`, evidence);
  if (asked.length === 0 && app.HostConfig.PublishAllPorts)
    return fail(
      `${nameOf(app)} publishes ${want} only through -P, on a random host port (${appPort.map(show).join(", ")}): publish it on purpose with -p.`,
      evidence,
    );
  const extra = appPubs.filter((q) => q.port !== want);
  if (extra.length > 0)
    return fail(
      `${nameOf(app)} also publishes ${extra.map(show).join(", ")}: only ${want} is meant to be reachable.`,
      evidence,
    );
  const data = evidence.length - 1;
  return pass(
    `${nameOf(app)} publishes ${appPort.map(show).join(", ")} on purpose; ${data === 0 ? "no database or cache runs" : `${data} database/cache container(s) publish nothing beyond 127.0.0.1`}.`,
    evidence,
  );
}

export const portsPrivate = defineCheck({
  id: "network.ports.private",
  title: "Databases and caches publish no port (or 127.0.0.1 only); the app's port is published on purpose",
  kind: "snapshot",
  watches: { objects: ["container"] },
  params: z
    .object({ app: NameParam.default("case-api"), appPort: z.number().int().min(1).max(65535).default(8080) })
    .strict(),
  collect: (ctx) => collectAllContainers(ctx),
  evaluate: (all, p) => evaluatePorts(all, p),
});
