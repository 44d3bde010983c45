import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import { z } from "zod";
import { ENGINE_ROLES, type EngineRole } from "../../../course/lab-nodes.ts";
import { historyFile } from "../../../lab/node-history.ts";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";

export const KINDS = ["image", "container", "network", "volume", "service"] as const;
export type Kind = (typeof KINDS)[number];

const Params = z
  .object({
    /** Whose shell histories count: each node's, kept in the workspace (lab/node-history.ts). */
    nodes: z
      .array(z.enum(ENGINE_ROLES))
      .min(1)
      .default([...ENGINE_ROLES]),
    /** Kinds that must be inspected; `service` only counts once a swarm exists. */
    kinds: z.array(z.enum(KINDS)).default(["image", "container", "network", "volume", "service"]),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface InspectRun {
  /** The shell's node (set by the caller; inspectRuns reads one file). */
  node: EngineRole;
  line: number;
  kind: Kind;
  name: string;
  /** Through `--context swarm` (or -H): the object is looked up on manager-1. */
  swarm: boolean;
}

/** `docker [global flags] <kind> inspect [flags] NAME…` in each history line (bash's `#<epoch>` lines skipped). */
export function inspectRuns(history: string, node: EngineRole = "laptop"): InspectRun[] {
  const out: InspectRun[] = [];
  history.split("\n").forEach((raw, i) => {
    if (raw.startsWith("#")) return;
    for (const part of raw.split(/\s*(?:&&|\|\||;|\|)\s*/)) {
      const words = part.trim().split(/\s+/);
      const at = words.findIndex((w) => w === "docker" || w.endsWith("/docker"));
      if (at < 0) continue;
      let k = at + 1;
      let swarm = false;
      while (words[k]?.startsWith("-")) {
        const flag = words[k] as string;
        if (/^--context=|^-c$|^--context$|^-H$|^--host/.test(flag)) swarm = true;
        k += flag.includes("=")
          ? 1
          : /^(?:--context|-c|-H|--host|--config|-l|--log-level)$/.test(flag)
            ? 2
            : 1;
      }
      const kind = words[k] as Kind;
      if (!KINDS.includes(kind) || words[k + 1] !== "inspect") continue;
      const rest = words.slice(k + 2);
      for (let j = 0; j < rest.length; j++) {
        const w = rest[j] as string;
        if (/^(?:-f|--format|--type)$/.test(w)) {
          j++;
          continue;
        }
        if (w.startsWith("-") || /^['"{]/.test(w) || w.includes("}}")) continue;
        if (/^<.*>$/.test(w)) continue;
        out.push({ node, line: i + 1, kind, name: w.replace(/^["']|["']$/g, ""), swarm });
      }
    }
  });
  return out;
}

/**
 * The engine a command asked: through `--context swarm` (or -H) manager-1; `service` on laptop too
 * (its swarm context may be the default one); anything else the shell's own node (a worker's engine
 * answers `service inspect` with "not a swarm manager", so that run finds nothing).
 */
export function askedEngine(r: Pick<InspectRun, "node" | "kind" | "swarm">): EngineRole {
  return r.swarm || (r.kind === "service" && r.node === "laptop") ? "manager-1" : r.node;
}
export const objectKey = (r: Pick<InspectRun, "node" | "kind" | "swarm" | "name">) =>
  `${askedEngine(r)}|${r.kind}:${r.name}`;

export interface InspectFacts {
  /** Each node's history file (workspace-relative) and its text; null: no such file. */
  histories: Array<{ node: EngineRole; path: string; text: string | null }>;
  swarmActive: boolean;
  /** objectKey → whether the object exists on the engine the command asked (or that engine saw it). */
  exists: Record<string, boolean>;
}

export function evaluateInspect(f: InspectFacts, p: Params): CheckOutcome {
  const source = `workspace: ${f.histories.map((h) => h.path).join(", ")}`;
  const kept = f.histories.filter((h) => h.text !== null);
  if (kept.length === 0)
    return fail(
      `${f.histories.map((h) => h.path).join(", ")}: no such file: no command was run in a lab terminal yet.`,
      [
        {
          source,
          field: "(files)",
          observed: "no such file",
          expected: "each node's shell history, kept by Drydock's terminals",
        },
      ],
    );
  const runs = kept.flatMap((h) => inspectRuns(h.text ?? "", h.node));
  const wanted = p.kinds.filter((k) => k !== "service" || f.swarmActive);
  const evidence: Evidence[] = [];
  const missing: string[] = [];
  for (const kind of wanted) {
    const of = runs.filter((r) => r.kind === kind);
    const real = of.filter((r) => f.exists[objectKey(r)]);
    evidence.push({
      source,
      field: `docker ${kind} inspect`,
      observed: of.length
        ? of
            .slice(-3)
            .map(
              (r) =>
                `${r.node} line ${r.line}: ${r.name}${f.exists[objectKey(r)] ? "" : ` (no such object on ${askedEngine(r)})`}`,
            )
        : "never run",
      expected: `run on a ${kind} that exists`,
    });
    if (real.length === 0)
      missing.push(
        of.length ? `${kind} (only on objects that do not exist: ${of.map((r) => r.name).join(", ")})` : kind,
      );
  }
  if (!f.swarmActive && p.kinds.includes("service"))
    evidence.push({
      source: "manager-1: GET /info",
      field: "Swarm.LocalNodeState",
      observed: "inactive",
      expected: "service inspect counts once a swarm exists (hours 15-16)",
    });
  if (missing.length > 0)
    return fail(`Not every kind of object was inspected on a real one: ${missing.join("; ")}.`, evidence);
  const shells = [...new Set(runs.filter((r) => f.exists[objectKey(r)]).map((r) => r.node))];
  return pass(
    `The shell history (${shells.join(", ")}) shows docker ${wanted.join(", ")} inspect, each on an object of the lab.`,
    evidence,
  );
}

/** `<kind>:<name>` of every object in an engine's recent events (the engine keeps the last 256). */
async function engineSeen(engine: Docker): Promise<Set<string>> {
  const now = Math.floor(Date.now() / 1000);
  const stream = (await engine.getEvents({
    since: now - 86_400,
    until: now,
  })) as unknown as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as {
        Type?: string;
        Actor?: { ID?: string; Attributes?: { name?: string } };
      };
      const name = e.Actor?.Attributes?.name;
      if (e.Type && name) out.add(`${e.Type}:${name}`);
      if (e.Type === "image" && e.Actor?.ID) out.add(`image:${e.Actor.ID}`);
    } catch {
      // a partial line
    }
  }
  return out;
}

export const inspectPractice = defineCheck({
  id: "practice.inspect",
  title: "docker image|container|network|volume|service inspect run on real objects, from a lab shell",
  kind: "snapshot",
  params: Params,
  watches: {
    objects: ["image", "container", "network", "service"],
    files: (p: Params) => p.nodes.map(historyFile),
  },
  async collect(ctx, p): Promise<InspectFacts> {
    const histories = await Promise.all(
      p.nodes.map(async (node) => ({
        node,
        path: historyFile(node),
        text: await readFile(join(ctx.lab.workspace, historyFile(node)), "utf8").catch(() => null),
      })),
    );
    const manager = await ctx.lab.engine("manager-1");
    const info = (await manager.info()) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean };
    };
    const swarmActive = info.Swarm?.LocalNodeState === "active" && Boolean(info.Swarm.ControlAvailable);
    const exists: Record<string, boolean> = {};
    const ok = (x: Promise<unknown>) =>
      x.then(
        () => true,
        () => false,
      );
    // Objects removed since (a page's clean-up) still count when the engine asked saw them.
    const seen = new Map<EngineRole, Promise<Set<string>>>();
    const seenOn = async (node: EngineRole) => {
      if (!seen.has(node)) seen.set(node, ctx.lab.engine(node).then(engineSeen));
      return seen.get(node) as Promise<Set<string>>;
    };
    for (const r of histories.flatMap((h) => (h.text ? inspectRuns(h.text, h.node) : []))) {
      const key = objectKey(r);
      if (key in exists) continue;
      const node = askedEngine(r);
      // The page's throwaway one-node swarm on laptop: its service is in laptop's own events.
      const seenBy = r.kind === "service" && !r.swarm ? r.node : r.kind === "service" ? undefined : node;
      if (seenBy && (await seenOn(seenBy)).has(`${r.kind}:${r.name}`)) {
        exists[key] = true;
        continue;
      }
      const engine = await ctx.lab.engine(node);
      exists[key] = await ok(
        r.kind === "image"
          ? engine.getImage(r.name).inspect()
          : r.kind === "container"
            ? engine.getContainer(r.name).inspect()
            : r.kind === "network"
              ? engine.getNetwork(r.name).inspect()
              : r.kind === "volume"
                ? engine.getVolume(r.name).inspect()
                : swarmActive
                  ? engine.getService(r.name).inspect()
                  : Promise.reject(new Error("no swarm")),
      );
    }
    return { histories, swarmActive, exists };
  },
  evaluate: evaluateInspect,
});
