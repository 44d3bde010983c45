import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { WorkspacePath } from "../../collectors/workspace-doc.ts";

export const KINDS = ["image", "container", "network", "volume", "service"] as const;
export type Kind = (typeof KINDS)[number];

const Params = z
  .object({
    /** Laptop's shell history, kept in the workspace by the terminals (terminal/docker-exec.ts). */
    history: WorkspacePath.default(".laptop_history"),
    /** Kinds that must be inspected; `service` only counts once a swarm exists. */
    kinds: z.array(z.enum(KINDS)).default(["image", "container", "network", "volume", "service"]),
  })
  .strict();
type Params = z.infer<typeof Params>;

export interface InspectRun {
  line: number;
  kind: Kind;
  name: string;
  /** Through `--context swarm` (or -H): the object is looked up on manager-1. */
  swarm: boolean;
}

/** `docker [global flags] <kind> inspect [flags] NAME…` in each history line (bash's `#<epoch>` lines skipped). */
export function inspectRuns(history: string): InspectRun[] {
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
        out.push({ line: i + 1, kind, name: w.replace(/^["']|["']$/g, ""), swarm });
      }
    }
  });
  return out;
}

export interface InspectFacts {
  path: string;
  history: string | null;
  swarmActive: boolean;
  /** `<kind>:<name>` → whether the object exists in the lab now (laptop, or manager-1 for services). */
  exists: Record<string, boolean>;
}

export function evaluateInspect(f: InspectFacts, p: Params): CheckOutcome {
  const source = `workspace: ${f.path}`;
  if (f.history === null)
    return fail(`${f.path}: no such file: no command was run in laptop's terminal yet.`, [
      {
        source,
        field: "(file)",
        observed: "no such file",
        expected: "laptop's shell history, kept by Drydock's terminals",
      },
    ]);
  const runs = inspectRuns(f.history);
  const wanted = p.kinds.filter((k) => k !== "service" || f.swarmActive);
  const evidence: Evidence[] = [];
  const missing: string[] = [];
  for (const kind of wanted) {
    const of = runs.filter((r) => r.kind === kind);
    const real = of.filter((r) => f.exists[`${kind}:${r.name}`]);
    evidence.push({
      source,
      field: `docker ${kind} inspect`,
      observed: of.length
        ? of
            .slice(-3)
            .map(
              (r) =>
                `line ${r.line}: ${r.name}${f.exists[`${kind}:${r.name}`] ? "" : " (no such object in the lab)"}`,
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
  return pass(
    `laptop's shell history shows docker ${wanted.join(", ")} inspect, each on an object of the lab.`,
    evidence,
  );
}

/** `<kind>:<name>` of every object in laptop's recent events (the engine keeps the last 256). */
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
  title: "docker image|container|network|volume|service inspect run on real objects, from laptop's shell",
  kind: "snapshot",
  params: Params,
  watches: { objects: ["image", "container", "network", "service"], files: (p: Params) => [p.history] },
  async collect(ctx, p): Promise<InspectFacts> {
    const history = await readFile(join(ctx.lab.workspace, p.history), "utf8").catch(() => null);
    const laptop = await ctx.lab.engine("laptop");
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
    // Objects removed since (a page's clean-up) still count when laptop's engine saw them.
    const seen = await engineSeen(laptop);
    for (const r of history ? inspectRuns(history) : []) {
      const key = `${r.kind}:${r.name}`;
      if (key in exists) continue;
      const engine = r.kind === "service" || r.swarm ? manager : laptop;
      if (r.kind !== "service" && !r.swarm && seen.has(key)) {
        exists[key] = true;
        continue;
      }
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
    return { path: p.history, history, swarmActive, exists };
  },
  evaluate: evaluateInspect,
});
