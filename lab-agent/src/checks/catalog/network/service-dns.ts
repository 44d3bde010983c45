import { isIP } from "node:net";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, checkError, type Evidence, fail, pass } from "../../check-result.ts";
import { logTail, withScratch } from "../../probes/scratch.ts";
import { ensureImage, waitExit } from "./probe-support.ts";
import { CTR_SOURCE, collectContainer, envOf, type Inspect, NameParam, notRunning } from "./shared.ts";

/** Where `from` is told to reach `to`: the host and port of its URL variable, or `to`'s name. */
export interface Target {
  host: string;
  port: number;
  /** The variable it came from, e.g. DATABASE_URL (undefined: the check's `to` name). */
  env?: string | undefined;
}

/** What the probe saw from inside `from`'s network namespace (the fixtures record this shape). */
export interface DnsProbe {
  nslookupExit: number;
  /** nslookup's answer lines (its server, the names and addresses). */
  answer: string[];
  addresses: string[];
  connects: Array<{ ip: string; code: number; error?: string }>;
}

export interface DnsFacts {
  from: Inspect | undefined;
  to: Inspect | undefined;
  target: Target | undefined;
  probe?: DnsProbe | undefined;
  probeError?: string;
}

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, postgresql: 5432, redis: 6379, mysql: 3306 };

/** The host and port of a URL variable such as DATABASE_URL, or undefined when it is not one. */
export function targetOf(from: Inspect, env: string, fallback: { host: string; port: number }): Target {
  const value = envOf(from, env);
  if (value) {
    try {
      const u = new URL(value);
      const scheme = u.protocol.replace(/:$/, "");
      const host = u.hostname.replace(/^\[|\]$/g, "");
      if (host) return { host, port: Number(u.port) || DEFAULT_PORTS[scheme] || fallback.port, env };
    } catch {
      // not a URL: fall back to the name
    }
  }
  return { ...fallback, env: undefined };
}

export const isLoopbackHost = (h: string) =>
  h === "localhost" || /^127\./.test(h) || h === "::1" || h === "0.0.0.0";

/** The addresses `to` has on networks it shares with `from`, by network name. */
function sharedAddresses(from: Inspect, to: Inspect): Record<string, string> {
  const mine = from.NetworkSettings.Networks ?? {};
  const out: Record<string, string> = {};
  for (const [net, ep] of Object.entries(to.NetworkSettings.Networks ?? {}))
    if (mine[net] && ep.IPAddress) out[net] = ep.IPAddress;
  return out;
}

const DEFAULT_BRIDGE = new Set(["bridge", "default"]);

export function evaluateDns(f: DnsFacts, p: { from: string; to: string }): CheckOutcome {
  const missing = notRunning(p.from, f.from) ?? notRunning(p.to, f.to);
  if (missing || !f.from || !f.to || !f.target) return missing as CheckOutcome;
  const { from, to, target } = f;
  const nets = Object.keys(from.NetworkSettings.Networks ?? {});
  const evidence: Evidence[] = [
    {
      source: CTR_SOURCE,
      field: target.env ? `${p.from}: ${target.env} host:port` : `${p.from}: target`,
      observed: `${target.host}:${target.port}`,
      expected: `${p.to}'s name or a network alias of it`,
    },
    {
      source: CTR_SOURCE,
      field: `${p.from}: HostConfig.NetworkMode / networks`,
      observed: {
        NetworkMode: from.HostConfig.NetworkMode,
        networks: nets,
        Links: from.HostConfig.Links ?? null,
      },
      expected: `a user-defined network it shares with ${p.to}`,
    },
  ];
  if (from.HostConfig.NetworkMode === "host")
    return fail(
      `${p.from} runs in the host's network: it has no container DNS and reaches ${p.to} only through ports published on the host.`,
      evidence,
    );
  if (isLoopbackHost(target.host))
    return fail(
      `${p.from} is told to reach ${p.to} at ${target.host}: inside a container that is the container itself, so it works only where both share one network namespace.`,
      evidence,
    );
  if (isIP(target.host))
    return fail(
      `${p.from} reaches ${p.to} by IP address (${target.host}): Docker gives ${p.to} another one when it is re-created; use its name on a user-defined network.`,
      evidence,
    );
  if (!f.probe)
    return checkError(
      `Can't tell, because the probe did not run${f.probeError ? `: ${f.probeError}` : ""}.`,
      evidence,
    );
  const probe = f.probe;
  const shared = sharedAddresses(from, to);
  evidence.push(
    {
      source: `probe: nslookup ${target.host} in ${p.from}'s network namespace`,
      field: "answer",
      observed: probe.answer,
      expected: `an address of ${p.to}`,
    },
    { source: CTR_SOURCE, field: `${p.to}: addresses on networks shared with ${p.from}`, observed: shared },
  );
  if (probe.addresses.length === 0) {
    if (nets.every((n) => DEFAULT_BRIDGE.has(n)))
      return fail(
        `${target.host} does not resolve in ${p.from}: it is on the default bridge, which has no name resolution${(from.HostConfig.Links ?? []).length ? " (--link only writes /etc/hosts, a legacy feature)" : ""}. Put both on a user-defined network.`,
        evidence,
      );
    return fail(
      `${target.host} does not resolve in ${p.from}${Object.keys(shared).length === 0 ? `: it shares no network with ${p.to}` : ""}.`,
      evidence,
    );
  }
  const mine = probe.addresses.filter((a) => Object.values(shared).includes(a));
  if (mine.length === 0)
    return fail(
      `${target.host} resolves in ${p.from} to ${probe.addresses.join(", ")}, which is not ${p.to} (${Object.values(shared).join(", ") || "no shared network"}).`,
      evidence,
    );
  const connects = probe.connects.filter((c) => mine.includes(c.ip));
  evidence.push({
    source: `probe: nc ${target.host} ${target.port} from ${p.from}'s network namespace`,
    field: "connect",
    observed: connects,
    expected: "exit 0 (connected)",
  });
  const ok = connects.find((c) => c.code === 0);
  if (!ok)
    return fail(
      `${target.host} resolves to ${mine.join(", ")} (${p.to}) but nothing accepts a connection on port ${target.port}${connects[0]?.error ? ` (${connects[0].error})` : ""}.`,
      evidence,
    );
  const net = Object.entries(shared).find(([, ip]) => ip === ok.ip)?.[0];
  return pass(
    `From ${p.from}, ${target.host} resolves to ${ok.ip} (${p.to} on the network ${net}) and port ${target.port} accepts a connection.`,
    evidence,
  );
}

/** Runs in busybox inside `from`'s network namespace; the name and port come in as variables. */
const PROBE_SCRIPT = [
  'nslookup "$PROBE_HOST" >/tmp/ns 2>&1; echo "nslookup-exit=$?"',
  "sed 's/^/ns: /' /tmp/ns",
  "ips=$(awk '/^Name:/ {f=1} f && /^Address/ {print $NF}' /tmp/ns | tr '\\n' ' ')",
  'echo "addresses=$ips"',
  'for ip in $ips; do nc -w 3 "$ip" "$PROBE_PORT" </dev/null >/dev/null 2>/tmp/nc; echo "connect $ip=$? $(head -c 200 /tmp/nc | tr \'\\n\' \' \')"; done',
].join("\n");

/** Parses the probe's output (see PROBE_SCRIPT). */
export function parseProbe(out: string): DnsProbe {
  const lines = out.split("\n");
  const nslookupExit = Number(/^nslookup-exit=(\d+)/m.exec(out)?.[1] ?? -1);
  const answer = lines
    .filter((l) => l.startsWith("ns: "))
    .map((l) => l.slice(4).trim())
    .filter(Boolean);
  const addresses = (/^addresses=(.*)$/m.exec(out)?.[1] ?? "").split(/\s+/).filter((a) => isIP(a));
  const connects = lines
    .map((l) => /^connect (\S+)=(\d+) ?(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      ip: m[1] as string,
      code: Number(m[2]),
      ...(m[3]?.trim() ? { error: m[3].trim() } : {}),
    }));
  return { nslookupExit, answer, addresses, connects };
}

const Params = z
  .object({
    from: NameParam.default("case-api"),
    to: NameParam.default("reg-case-postgres"),
    port: z.number().int().min(1).max(65535).default(5432),
    /** The variable in `from` that says where `to` is (its host and port are probed). */
    urlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default("DATABASE_URL"),
    image: z.string().min(1).default("busybox:1.37"),
  })
  .strict();

export const serviceDns = defineCheck({
  id: "network.dns.probe",
  title: "The app resolves its database by name on a user-defined network and connects to it",
  kind: "probe",
  watches: { objects: ["container", "network"] },
  params: Params,
  async collect(ctx, p): Promise<DnsFacts> {
    const [from, to] = await Promise.all([collectContainer(ctx, p.from), collectContainer(ctx, p.to)]);
    if (!from?.State.Running || !to?.State.Running) return { from, to, target: undefined };
    const target = targetOf(from, p.urlEnv, { host: p.to, port: p.port });
    if (from.HostConfig.NetworkMode === "host" || isLoopbackHost(target.host) || isIP(target.host))
      return { from, to, target };
    const docker = await ctx.lab.engine("laptop");
    try {
      await ensureImage(docker, p.image);
      const probe = await withScratch(
        docker,
        {
          lab: ctx.lab.lab,
          check: "network.dns.probe",
          name: `${p.from}-dns`,
          spec: {
            Image: p.image,
            Entrypoint: ["sh", "-c", PROBE_SCRIPT],
            Cmd: [],
            Env: [`PROBE_HOST=${target.host}`, `PROBE_PORT=${target.port}`],
            HostConfig: { NetworkMode: `container:${from.Id}` },
          },
        },
        async (c) => {
          await waitExit(c, 20_000);
          return parseProbe(await logTail(c, 60));
        },
      );
      return { from, to, target, probe };
    } catch (err) {
      return { from, to, target, probeError: (err as Error).message.slice(0, 200) };
    }
  },
  evaluate: (f, p) => evaluateDns(f, p),
});
