import { z } from "zod";
import { noNewPrivileges, normalizeCapability } from "./spec-parsers.ts";

/**
 * The parts of `docker compose config --format json` the Compose checks read. Compose has already
 * resolved anchors, `extends`, `include`, merges and short syntax into one canonical form; fields
 * it writes that we do not read pass through.
 */
const Port = z
  .object({
    target: z.union([z.number(), z.string()]).optional(),
    published: z.union([z.number(), z.string()]).optional(),
    host_ip: z.string().optional(),
    protocol: z.string().optional(),
    mode: z.string().optional(),
  })
  .passthrough();

const Service = z
  .object({
    image: z.string().optional(),
    build: z
      .object({
        context: z.string().optional(),
        dockerfile: z.string().optional(),
        target: z.string().optional(),
      })
      .passthrough()
      .optional(),
    command: z.array(z.string()).nullable().optional(),
    entrypoint: z.array(z.string()).nullable().optional(),
    depends_on: z
      .record(
        z.string(),
        z.object({ condition: z.string().optional(), required: z.boolean().optional() }).passthrough(),
      )
      .optional(),
    healthcheck: z
      .object({ test: z.array(z.string()).optional(), disable: z.boolean().optional() })
      .passthrough()
      .optional(),
    restart: z.string().optional(),
    read_only: z.boolean().optional(),
    tmpfs: z.array(z.string()).optional(),
    cap_drop: z.array(z.string()).optional(),
    cap_add: z.array(z.string()).optional(),
    security_opt: z.array(z.string()).optional(),
    privileged: z.boolean().optional(),
    ports: z.array(Port).optional(),
    expose: z.array(z.union([z.string(), z.number()])).optional(),
    network_mode: z.string().optional(),
    profiles: z.array(z.string()).optional(),
    environment: z.record(z.string(), z.string().nullable()).optional(),
    volumes: z
      .array(z.object({ type: z.string(), source: z.string().optional(), target: z.string() }).passthrough())
      .optional(),
  })
  .passthrough();
export type ComposeService = z.infer<typeof Service>;

const Model = z
  .object({
    name: z.string().optional(),
    services: z.record(z.string(), Service).default({}),
  })
  .passthrough();
export type ComposeModel = z.infer<typeof Model>;

export type ModelRead = { model: ComposeModel; error?: undefined } | { model?: undefined; error: string };

/** Compose's own message: its last line that is not a warning (`WARN[0000] …`, `level=warning`). */
export function composeMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const real = lines.filter((l) => !/^WARN\[|level=warning/.test(l));
  return (real.at(-1) ?? lines.at(-1) ?? "no output").replace(/^time="[^"]*"\s+level=\w+\s+msg=/, "");
}

/** A `docker compose config --format json` run as a model, or Compose's message. */
export function readModel(run: { code: number; stdout: string; stderr: string } | undefined): ModelRead {
  if (!run) return { error: "docker compose config did not run" };
  if (run.code !== 0) return { error: `docker compose config rejects it: ${composeMessage(run.stderr)}` };
  try {
    const parsed = Model.safeParse(JSON.parse(run.stdout));
    if (!parsed.success)
      return {
        error: `docker compose config printed a model this check cannot read (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`,
      };
    return { model: parsed.data };
  } catch {
    return { error: `docker compose config printed no JSON: ${composeMessage(run.stderr)}` };
  }
}

/** A service's command as one line, or undefined (the image's CMD). */
export const commandText = (s: ComposeService | undefined) =>
  s?.command?.length ? s.command.join(" ") : undefined;

/** Whether the service runs the app's mode: `api`, `node dist/main.js worker`, `sh -c "… migrate"`. */
export function runsMode(s: ComposeService | undefined, mode: string): boolean {
  const words = [...(s?.entrypoint ?? []), ...(s?.command ?? [])].join(" ").split(/[\s"';&|]+/);
  return words.includes(mode);
}

/** Capabilities dropped, normalized (`all` → `ALL`). */
export const dropsAll = (s: ComposeService | undefined) =>
  (s?.cap_drop ?? []).map(normalizeCapability).includes("ALL");

export const hasNoNewPrivileges = (s: ComposeService | undefined) =>
  noNewPrivileges(s?.security_opt) === true;

/** A healthcheck Compose will run: present, not `disable: true`, not `["NONE"]`. */
export function healthcheckOf(s: ComposeService | undefined): { ok: boolean; why: string } {
  const h = s?.healthcheck;
  if (!h) return { ok: false, why: "no healthcheck" };
  if (h.disable) return { ok: false, why: "healthcheck: disable: true" };
  if (h.test?.[0] === "NONE") return { ok: false, why: 'healthcheck test ["NONE"]' };
  if (!h.test?.length) return { ok: true, why: "the image's HEALTHCHECK, with the file's timings" };
  return { ok: true, why: h.test.join(" ") };
}

/** A port Compose publishes on the host (a `ports:` entry; `expose:` publishes nothing). */
export interface PublishedPort {
  target: string;
  published: string;
  hostIp: string;
}

export function publishedPorts(s: ComposeService | undefined): PublishedPort[] {
  if (s?.network_mode === "host")
    return [{ target: "every port", published: "every port (network_mode: host)", hostIp: "0.0.0.0" }];
  return (s?.ports ?? []).map((p) => ({
    target: String(p.target ?? ""),
    published: p.published === undefined || p.published === "" ? "(random)" : String(p.published),
    hostIp: p.host_ip ?? "",
  }));
}

export const isLoopback = (ip: string) => ip === "127.0.0.1" || ip === "::1" || ip.startsWith("127.");

export const describePort = (p: PublishedPort) => `${p.hostIp || "0.0.0.0"}:${p.published}->${p.target}`;
