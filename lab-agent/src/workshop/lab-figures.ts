import { readFileSync } from "node:fs";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";

/**
 * What one lab (five containers: laptop, manager-1, worker-1, worker-2, registry) takes from
 * the host it runs on, at one moment. Memory, pids and disk are hard limits (past them the
 * kernel kills or refuses); CPU is compressible (past it everything only gets slower).
 */
export const Footprint = z.strictObject({
  memoryMiB: z.number().nonnegative(),
  /** Cores kept busy (1 = one core). */
  cpus: z.number().nonnegative(),
  /** Processes and threads, as the pids cgroup counts them. */
  pids: z.number().int().nonnegative(),
  /** The lab's volumes and writable layers (the node images are shared by every lab). */
  diskMiB: z.number().nonnegative(),
});
export type Footprint = z.infer<typeof Footprint>;

/** Whether a figure was read on a real host (`npm run bench -- workshop`) or is still a guess. */
export const FigureSource = z.enum(["measured", "estimate"]);
export type FigureSource = z.infer<typeof FigureSource>;

/** A host that runs labs: its totals, before anything is set aside for the host itself. */
export const HostSpec = z.strictObject({
  name: z.string().min(1),
  memoryMiB: z.number().positive(),
  cpus: z.number().positive(),
  pids: z.number().int().positive(),
  diskMiB: z.number().positive(),
});
export type HostSpec = z.infer<typeof HostSpec>;

/** The figures file: what the placement simulation is driven by. */
export const LabFigures = z
  .strictObject({
    /** Where and when they were read, e.g. "bench workshop, 3 labs, 2-core 24 GiB VM, 2026-12-02". */
    measuredOn: z.string().optional(),
    idle: z.strictObject({ source: FigureSource, footprint: Footprint }),
    /** A lab while its learner builds images and runs a Compose stack and a swarm stack. */
    active: z.strictObject({ source: FigureSource, footprint: Footprint }),
    timings: z.strictObject({
      source: FigureSource,
      /** Join to a terminal prompt when a new lab must be brought up (images already built). */
      joinColdSeconds: z.number().positive(),
      /** Join to a terminal prompt on a pre-warmed lab. */
      joinWarmSeconds: z.number().positive(),
    }),
    /** The hosts to place labs on; absent: one host like ours (DEFAULT_HOST). */
    hosts: z.array(HostSpec).min(1).optional(),
  })
  .refine((f) => f.idle.footprint.memoryMiB > 0, {
    // A lab that takes no memory would seat without end: the file is wrong, not the host huge.
    message: "an idle lab's memory must be more than 0",
    path: ["idle", "footprint", "memoryMiB"],
  });
export type LabFigures = z.infer<typeof LabFigures>;

/** Our machine kind: 2 cores, 24 GiB (shared/host-docker.md); disk and pids as provisioned. */
export const DEFAULT_HOST: HostSpec = {
  name: "host-1",
  memoryMiB: 24 * 1024,
  cpus: 2,
  pids: 32_768,
  diskMiB: 100 * 1024,
};

/**
 * Estimates until `npm run bench -- workshop` measures them; every one says so in its source.
 * - idle: ~65 MiB per idle engine node (4 nodes, 60-70 MB RSS measured by hand in
 *   shared/host-docker.md) plus ~20 MiB for the registry; ~60 tasks per dockerd+containerd pair;
 *   disk is the seeded registry (library images) and the engines' empty data roots.
 * - active: a learner building the starter app (buildkit), running its Compose stack (app,
 *   PostgreSQL, Redis) on laptop and a 3-replica stack on the swarm. Educates budgets 768 MiB for
 *   one session's single Docker engine; ours has four engines, so more.
 * - timings: `drydock lab up` of a warm image cache took a few seconds plus swarm 2.1 s; a terminal
 *   prompt on a running lab is well under a second.
 */
export const DEFAULT_FIGURES: LabFigures = {
  measuredOn: "estimates (not measured)",
  idle: { source: "estimate", footprint: { memoryMiB: 280, cpus: 0.03, pids: 260, diskMiB: 900 } },
  active: { source: "estimate", footprint: { memoryMiB: 1400, cpus: 0.8, pids: 900, diskMiB: 3500 } },
  timings: { source: "estimate", joinColdSeconds: 12, joinWarmSeconds: 0.8 },
};

/** Reads and validates a figures file; a file that does not match says which field is wrong. */
export function readFigures(path: string): LabFigures {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new DrydockError(ErrorCode.usage, `Cannot read the figures file ${path}.`, {
      hint: "Pass a JSON file written by `npm run bench -- workshop --out FILE`, or leave --figures out to use the estimates.",
      details: (err as Error).message,
      cause: err,
    });
  }
  const parsed = LabFigures.safeParse(raw);
  if (!parsed.success) {
    throw new DrydockError(ErrorCode.usage, `The figures file ${path} does not match its schema.`, {
      hint: "Compare it with a file written by `npm run bench -- workshop --out FILE`.",
      details: parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("\n"),
    });
  }
  return parsed.data;
}
