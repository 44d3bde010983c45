import { existsSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import type Docker from "dockerode";
import { z } from "zod";
import type { LabId } from "../../../lab/lab-names.ts";
import { type CheckContext, defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { FILES_LABEL, PROJECT_LABEL, SERVICE_LABEL } from "../../collectors/compose-project.ts";
import { WorkspacePath } from "../../collectors/workspace-doc.ts";
import { CHECK_LABEL, execArgv, splitStreams } from "../../engine-reads.ts";
import { logTail, withScratch } from "../../probes/scratch.ts";
import { ensureImage, waitExit } from "../network/probe-support.ts";

/**
 * Hour 19's observability profile: Prometheus, started by Compose from compose.observability.yml on
 * laptop, scrapes the app's /metrics, and its target for the app is up. Judged on what Prometheus
 * itself reports (`GET /api/v1/targets`, read from inside its own network namespace), so job names,
 * static_configs or dns_sd_configs, interval forms, and service or container names are the learner's.
 */

/** What the check keeps of a container (the fixtures record this shape). */
export interface Ctr {
  Id: string;
  Name: string;
  Image: string;
  State: { Status: string; Running: boolean; ExitCode: number; Error?: string; StartedAt?: string };
  /** Compose's labels only. */
  Labels: Record<string, string>;
  /** What runs: Path and Args. */
  Argv: string[];
  Mounts: Array<{ Type: string; Source: string; Destination: string }>;
  /** Per network: its address and the names Docker's DNS answers for it there. */
  Networks: Record<string, { IPAddress: string; Names: string[] }>;
}

/** One active target as Prometheus's API reports it. */
export interface PromTarget {
  scrapePool: string;
  scrapeUrl: string;
  health: string;
  lastError: string;
  lastScrape: string;
  scrapeInterval?: string;
  labels: Record<string, string>;
  discoveredLabels?: Record<string, string>;
}

export interface TargetsRead {
  /** How it was read: `wget` run in the container, or busybox in its network namespace. */
  via: "exec" | "probe";
  url: string;
  /** When it was read (ISO time), to say how long ago a target was scraped. */
  at: string;
  active?: PromTarget[];
  error?: string;
}

export interface PromScrapeFacts {
  file: { path: string; found: boolean; reason?: string };
  /** Laptop containers Compose started with the file among its config files. */
  fromFile: Ctr[];
  /** Prometheus containers on laptop (the one from the file first, if any). */
  prometheus: Ctr[];
  /** The app service's containers in Prometheus's Compose project. */
  app: Ctr[];
  targets?: TargetsRead;
  /** The last lines of a Prometheus container that is not running. */
  logs?: string;
}

const Params = z
  .object({
    /** The project folder, relative to the workspace. */
    dir: WorkspacePath.default("reg-case-platform"),
    file: z
      .string()
      .regex(/^[\w.-]+\.ya?ml$/)
      .default("compose.observability.yml"),
    /** The app's Compose service, and where it serves its metrics. */
    service: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/)
      .default("api"),
    port: z.number().int().min(1).max(65535).default(8080),
    path: z.string().startsWith("/").default("/metrics"),
    /** Where the check reads Prometheus's API from when the image has no wget. */
    image: z.string().min(1).default("busybox:1.37"),
  })
  .strict();
type Params = z.infer<typeof Params>;

const LIST_SOURCE = "laptop: GET /containers/json (Compose labels)";

const base = (p: string) => posix.basename(p);
const name = (c: Ctr) => c.Name.replace(/^\//, "");
const service = (c: Ctr) => c.Labels[SERVICE_LABEL];
const describeCtr = (c: Ctr) =>
  `${name(c)}${service(c) ? ` (service ${service(c)})` : ""}: ${c.State.Status}${c.State.Running ? "" : ` (exit code ${c.State.ExitCode})`}`;

/** The value of `--flag=v` or `--flag v` in an argv. */
export function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === flag || a === `-${flag.replace(/^-+/, "")}`) return argv[i + 1];
    const m = /^--?([^=]+)=(.*)$/.exec(a);
    if (m && `--${m[1]}` === flag) return m[2];
  }
  return undefined;
}

/** Where Prometheus's API is, inside its own network namespace: its listen port and route prefix. */
export function apiUrl(argv: readonly string[]): string {
  const listen = flagValue(argv, "--web.listen-address") ?? ":9090";
  const port = /:(\d+)$/.exec(listen)?.[1] ?? "9090";
  let prefix = flagValue(argv, "--web.route-prefix");
  if (prefix === undefined) {
    const external = flagValue(argv, "--web.external-url");
    try {
      prefix = external ? new URL(external).pathname : "";
    } catch {
      prefix = external?.startsWith("/") ? external : "";
    }
  }
  prefix = `/${(prefix ?? "").replace(/^\/+|\/+$/g, "")}`.replace(/^\/$/, "");
  return `http://127.0.0.1:${port}${prefix}/api/v1/targets?state=active`;
}

/** A Prometheus container: its image or its program is prometheus. */
export const isPrometheus = (c: Ctr) =>
  /(^|\/)prometheus(:|@|$)/.test(c.Image) || base(c.Argv[0] ?? "") === "prometheus";

/** Host and port of a scrape URL. */
function hostPort(url: string): { host: string; port: number; path: string } | undefined {
  try {
    const u = new URL(url);
    const port = Number(u.port) || (u.protocol === "https:" ? 443 : 80);
    return { host: u.hostname.replace(/^\[|\]$/g, ""), port, path: u.pathname };
  } catch {
    return undefined;
  }
}

/** Names and addresses by which Prometheus may reach the app: service, container names, aliases, IPs. */
export function appIdentities(app: readonly Ctr[], svc: string): Set<string> {
  const ids = new Set([svc.toLowerCase()]);
  for (const c of app) {
    ids.add(name(c).toLowerCase());
    ids.add(c.Id.slice(0, 12));
    for (const n of Object.values(c.Networks)) {
      for (const alias of n.Names) ids.add(alias.toLowerCase());
      if (n.IPAddress) ids.add(n.IPAddress);
    }
  }
  return ids;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|0\.0\.0\.0)$/;

function ago(at: string, when: string): string {
  const s = Math.round((Date.parse(at) - Date.parse(when)) / 1000);
  return Number.isFinite(s) && s >= 0 ? `${s} s before the check` : when;
}

/** The config file Prometheus loads, and what provides it (a mount, or the image). */
export function configSource(c: Ctr): { path: string; from: string } {
  const path = flagValue(c.Argv, "--config.file") ?? "prometheus.yml";
  const full = path.startsWith("/") ? path : posix.join("/prometheus", path);
  const m = [...c.Mounts]
    .filter((x) => full === x.Destination || full.startsWith(`${x.Destination.replace(/\/$/, "")}/`))
    .sort((a, b) => b.Destination.length - a.Destination.length)[0];
  return {
    path: full,
    from: m ? `${m.Type} ${m.Source || "(volume)"} at ${m.Destination}` : "the image (no mount)",
  };
}

export function evaluatePrometheusScrape(f: PromScrapeFacts, p: Params): CheckOutcome {
  const want = `http://${p.service}:${p.port}${p.path}`;
  const evidence: Evidence[] = [
    {
      source: `workspace: ${f.file.path}`,
      field: "(file)",
      observed: f.file.found ? "present" : (f.file.reason ?? "no such file"),
      expected: "the observability profile: a Prometheus service, layered on compose.yml",
    },
  ];
  if (!f.file.found) return fail(`${f.file.path}: ${f.file.reason ?? "no such file"}.`, evidence);
  evidence.push({
    source: LIST_SOURCE,
    field: `containers started with ${p.file}`,
    observed: f.fromFile.map(describeCtr),
    expected: "a Prometheus container, running",
  });
  const prom = f.prometheus.find((c) => f.fromFile.some((x) => x.Id === c.Id));
  if (!prom) {
    const other = f.prometheus[0];
    if (other) {
      evidence.push({
        source: LIST_SOURCE,
        field: `${name(other)}: ${FILES_LABEL}`,
        observed: other.Labels[FILES_LABEL] ?? "(not started by Compose)",
        expected: `…/${p.file} among them`,
      });
      return fail(
        `A Prometheus container runs (${name(other)}) but was not started from ${p.file}: start it with docker compose -f compose.yml -f ${p.file} up -d.`,
        evidence,
      );
    }
    return fail(
      f.fromFile.length
        ? `Nothing started from ${p.file} runs Prometheus (it started ${f.fromFile.map(name).join(", ")}).`
        : `Prometheus is not running: no container was started from ${p.file} (docker compose -f compose.yml -f ${p.file} up -d).`,
      evidence,
    );
  }
  const config = configSource(prom);
  evidence.push({
    source: `laptop: GET /containers/${name(prom)}/json`,
    field: "State.Status, --config.file",
    observed: {
      State: prom.State.Status,
      ExitCode: prom.State.ExitCode,
      image: prom.Image,
      "config.file": config.path,
      from: config.from,
    },
    expected: "running, with your prometheus.yml mounted",
  });
  if (!prom.State.Running) {
    if (f.logs)
      evidence.push({
        source: `laptop: GET /containers/${name(prom)}/logs`,
        field: "last lines",
        observed: f.logs.split("\n").slice(-4),
      });
    const cause = /err(?:or)?="?([^"\n]{0,160})/.exec(f.logs ?? "")?.[1];
    return fail(
      `Prometheus (${name(prom)}) is ${prom.State.Status} (exit code ${prom.State.ExitCode})${cause ? `: ${cause}` : ""}.`,
      evidence,
    );
  }
  const read = f.targets;
  if (!read?.active)
    return checkError(
      `Can't tell, because Prometheus's API did not answer (${read?.error ?? "not read"}): it may still be starting; check again in a few seconds.`,
      evidence,
    );
  const ids = appIdentities(f.app, p.service);
  const targets = read.active.map((t) => ({ t, at: hostPort(t.scrapeUrl) }));
  evidence.push({
    source: `${name(prom)}: GET ${read.url.replace(/^http:\/\/[^/]+/, "")} (${read.via === "exec" ? "wget in the container" : "busybox in its network namespace"})`,
    field: "activeTargets",
    observed: read.active.map(
      (t) =>
        `${t.scrapePool}: ${t.scrapeUrl} ${t.health}${t.lastError ? ` (${t.lastError.slice(0, 140)})` : ""}${t.scrapeInterval ? ` every ${t.scrapeInterval}` : ""}`,
    ),
    expected: `a target for ${p.service} (${want}), health up`,
  });
  evidence.push({
    source: LIST_SOURCE,
    field: `${p.service}: containers, names and addresses`,
    observed: f.app.length ? [...f.app.map(describeCtr), [...ids].join(" ")] : `no ${p.service} container`,
  });
  const mine = targets.filter((x) => x.at && ids.has(x.at.host.toLowerCase()));
  const up = mine.find((x) => x.t.health === "up");
  if (up)
    return pass(
      `Prometheus (${name(prom)}, job ${up.t.scrapePool}) scrapes ${up.t.scrapeUrl}: up, last scraped ${ago(read.at, up.t.lastScrape)}.`,
      evidence,
    );
  const appDown = f.app.filter((c) => !c.State.Running);
  const startedAgo = (Date.parse(read.at) - Date.parse(prom.State.StartedAt ?? "")) / 1000;
  if (mine.length === 0 && startedAgo < 30 && targets.every((x) => x.t.health === "unknown"))
    return checkError(
      `Can't tell yet, because Prometheus started ${Math.max(0, Math.round(startedAgo))} s ago and has not scraped its targets yet (it lists them within seconds): check again shortly.`,
      evidence,
    );
  if (mine.length === 0) {
    const loop = targets.find((x) => x.at && LOOPBACK.test(x.at.host) && x.at.port !== 9090);
    if (loop)
      return fail(
        `Prometheus scrapes ${loop.t.scrapeUrl}: inside its container, ${loop.at?.host} is Prometheus itself. Scrape the app by its service name (${want}).`,
        evidence,
      );
    if (f.app.length === 0 || f.app.every((c) => !c.State.Running))
      return fail(
        `Prometheus has no target for ${p.service}, and ${p.service} is not running in its Compose project${appDown[0] ? ` (${describeCtr(appDown[0])})` : ""}.`,
        evidence,
      );
    const only = targets.map((x) => x.t.scrapeUrl);
    const defaultOnly = only.length > 0 && targets.every((x) => x.at && LOOPBACK.test(x.at.host));
    return fail(
      `Prometheus has no target for ${p.service}: it scrapes ${only.join(", ") || "nothing"}${defaultOnly && config.from.startsWith("the image") ? ` (the image's own prometheus.yml: mount yours at ${config.path})` : ""}.`,
      evidence,
    );
  }
  const unknown = mine.find((x) => x.t.health === "unknown");
  if (unknown)
    return checkError(
      `Can't tell yet, because Prometheus has not scraped ${unknown.t.scrapeUrl} yet (health unknown${unknown.t.scrapeInterval ? `, every ${unknown.t.scrapeInterval}` : ""}): check again after one scrape interval.`,
      evidence,
    );
  const down = mine[0] as (typeof mine)[number];
  const at = down.at as { host: string; port: number; path: string };
  const err = down.t.lastError;
  if (appDown.length === f.app.length && f.app.length > 0)
    return fail(
      `Prometheus's target ${down.t.scrapeUrl} is down: ${p.service} is not running (${describeCtr(appDown[0] as Ctr)}).`,
      evidence,
    );
  if (at.port !== p.port && /refused|timeout|deadline/i.test(err))
    return fail(
      `Prometheus scrapes ${p.service} on port ${at.port}, where nothing answers (${err.slice(0, 100)}): the app serves ${p.path} on ${p.port}.`,
      evidence,
    );
  if (at.path !== p.path) {
    const status = /HTTP status (\d+[^"]*)/.exec(err)?.[1];
    return fail(
      `Prometheus scrapes ${down.t.scrapeUrl}, which ${status ? `the app answers with ${status}` : `is not metrics (${err.slice(0, 80)})`}: its metrics are at ${p.path} (metrics_path).`,
      evidence,
    );
  }
  return fail(
    `Prometheus's target ${down.t.scrapeUrl} is down: ${err.slice(0, 200) || "no error given"}.`,
    evidence,
  );
}

function slim(i: Docker.ContainerInspectInfo): Ctr {
  const labels = Object.fromEntries(
    Object.entries(i.Config.Labels ?? {}).filter(([k]) => k.startsWith("com.docker.compose.")),
  );
  const nets = (i.NetworkSettings.Networks ?? {}) as Record<
    string,
    { IPAddress?: string; Aliases?: string[] | null; DNSNames?: string[] | null }
  >;
  return {
    Id: i.Id,
    Name: i.Name,
    Image: i.Config.Image,
    State: {
      Status: i.State.Status,
      Running: i.State.Running,
      ExitCode: i.State.ExitCode,
      ...(i.State.Error ? { Error: i.State.Error } : {}),
      StartedAt: i.State.StartedAt,
    },
    Labels: labels,
    Argv: [i.Path, ...(i.Args ?? [])],
    Mounts: (i.Mounts ?? []).map((m) => ({
      Type: m.Type,
      Source: m.Source ?? "",
      Destination: m.Destination,
    })),
    Networks: Object.fromEntries(
      Object.entries(nets).map(([n, e]) => [
        n,
        { IPAddress: e.IPAddress ?? "", Names: [...new Set([...(e.DNSNames ?? []), ...(e.Aliases ?? [])])] },
      ]),
    ),
  };
}

/** Prometheus's answer, parsed; an error string when it is not the API's success shape. */
export function parseTargets(text: string): { active?: PromTarget[]; error?: string } {
  try {
    const body = JSON.parse(text) as { status?: string; data?: { activeTargets?: PromTarget[] } };
    if (body.status === "success" && Array.isArray(body.data?.activeTargets))
      return {
        active: body.data.activeTargets.map((t) => ({
          scrapePool: t.scrapePool,
          scrapeUrl: t.scrapeUrl,
          health: t.health,
          lastError: t.lastError ?? "",
          lastScrape: t.lastScrape,
          ...(t.scrapeInterval ? { scrapeInterval: t.scrapeInterval } : {}),
          labels: t.labels ?? {},
          ...(t.discoveredLabels ? { discoveredLabels: t.discoveredLabels } : {}),
        })),
      };
    return { error: `unexpected answer: ${text.slice(0, 120)}` };
  } catch {
    return { error: `not JSON: ${text.slice(0, 120)}` };
  }
}

/** GET the targets from inside Prometheus's network namespace: its own wget, else a busybox beside it. */
async function readTargets(docker: Docker, prom: Ctr, lab: LabId, image: string): Promise<TargetsRead> {
  const url = apiUrl(prom.Argv);
  const at = new Date().toISOString();
  const own = await execArgv(docker.getContainer(prom.Id), ["wget", "-qO-", "-T", "5", url]).catch(
    (e: unknown) => ({ code: -1, stdout: "", stderr: String(e) }),
  );
  if (own.code === 0) return { via: "exec", url, at, ...parseTargets(own.stdout) };
  if (
    !/not found|no such file|executable|OCI runtime/i.test(own.stderr) &&
    own.code !== 126 &&
    own.code !== 127
  )
    return { via: "exec", url, at, error: `wget exit ${own.code}: ${own.stderr.trim().slice(0, 160)}` };
  await ensureImage(docker, image);
  return withScratch(
    docker,
    {
      lab,
      check: "incident.prometheus-scrape",
      name: `${name(prom)}-targets`,
      spec: {
        Image: image,
        Entrypoint: ["wget", "-qO-", "-T", "5", url],
        Cmd: [],
        HostConfig: { NetworkMode: `container:${prom.Id}` },
      },
    },
    async (c) => {
      const code = await waitExit(c, 15_000);
      if (code !== 0)
        return {
          via: "probe" as const,
          url,
          at,
          error: `wget exit ${code}: ${(await logTail(c, 4)).slice(0, 160)}`,
        };
      const buf = (await c.logs({ stdout: true, stderr: false })) as Buffer;
      return { via: "probe" as const, url, at, ...parseTargets(splitStreams(buf).stdout) };
    },
  );
}

async function collectPrometheusScrape(ctx: CheckContext, p: Params): Promise<PromScrapeFacts> {
  const path = `${p.dir}/${p.file}`;
  const full = join(ctx.lab.workspace, path);
  const file = existsSync(full)
    ? statSync(full).isFile()
      ? { path, found: true }
      : { path, found: false, reason: "a folder, not a file" }
    : { path, found: false, reason: "no such file" };
  const docker = await ctx.lab.engine("laptop");
  const list = await docker.listContainers({ all: true });
  const infos: Ctr[] = [];
  for (const c of list) {
    if (c.Labels?.[CHECK_LABEL]) continue;
    const info = await docker
      .getContainer(c.Id)
      .inspect()
      .catch(() => undefined);
    if (info) infos.push(slim(info));
  }
  const fromFile = infos.filter((c) =>
    (c.Labels[FILES_LABEL] ?? "").split(",").some((x) => base(x.trim()) === p.file),
  );
  const fileIds = new Set(fromFile.map((c) => c.Id));
  // The one from the file first, running before exited.
  const prometheus = infos
    .filter(isPrometheus)
    .sort(
      (a, b) =>
        Number(fileIds.has(b.Id)) - Number(fileIds.has(a.Id)) ||
        Number(b.State.Running) - Number(a.State.Running),
    );
  const prom = prometheus.find((c) => fileIds.has(c.Id));
  const project = prom?.Labels[PROJECT_LABEL];
  const app = infos.filter((c) => project && c.Labels[PROJECT_LABEL] === project && service(c) === p.service);
  const facts: PromScrapeFacts = { file, fromFile, prometheus, app };
  if (!prom) return facts;
  if (!prom.State.Running) {
    facts.logs = await logTail(docker.getContainer(prom.Id), 6);
    return facts;
  }
  try {
    facts.targets = await readTargets(docker, prom, ctx.lab.lab, p.image);
  } catch (err) {
    facts.targets = {
      via: "probe",
      url: apiUrl(prom.Argv),
      at: new Date().toISOString(),
      error: (err as Error).message.slice(0, 200),
    };
  }
  return facts;
}

export const prometheusScrape = defineCheck({
  id: "incident.prometheus-scrape",
  title: "Prometheus from compose.observability.yml scrapes the app's /metrics, and the target is up",
  kind: "snapshot",
  params: Params,
  watches: { objects: ["container"], files: (p: Params) => [`${p.dir}/${p.file}`] },
  collect: (ctx, p) => collectPrometheusScrape(ctx, p),
  evaluate: evaluatePrometheusScrape,
});
