import { z } from "zod";

/** One line of `docker stats --no-stream --format '{{json .}}'` (the fields we read). */
const StatsLine = z.object({
  Name: z.string(),
  CPUPerc: z.string(),
  MemUsage: z.string(),
  PIDs: z.string(),
});

export interface ContainerStats {
  name: string;
  memoryMiB: number;
  /** Cores busy (docker's 100% = one core). */
  cpus: number;
  pids: number;
}

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** "63.5MiB", "1.2GiB", "812kB", "0B" → bytes; undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  const unit = m ? UNITS[(m[2] as string).toLowerCase()] : undefined;
  return m && unit ? Number(m[1]) * unit : undefined;
}

/**
 * Parses `docker stats --no-stream --format '{{json .}}'` output. Memory is the usage half of
 * "63.5MiB / 2GiB" (the CLI already leaves out reclaimable page cache); a line that is not one
 * of these (a warning, "--" for a container that just stopped) is skipped.
 */
export function parseDockerStats(output: string): ContainerStats[] {
  const stats: ContainerStats[] = [];
  for (const line of output.split("\n")) {
    if (!line.trim().startsWith("{")) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = StatsLine.safeParse(json);
    if (!parsed.success) continue;
    const { Name, CPUPerc, MemUsage, PIDs } = parsed.data;
    const bytes = parseSize(MemUsage.split("/")[0] ?? "");
    const cpu = Number.parseFloat(CPUPerc);
    const pids = Number.parseInt(PIDs, 10);
    if (bytes === undefined || Number.isNaN(cpu) || Number.isNaN(pids)) continue;
    stats.push({ name: Name, memoryMiB: bytes / 1024 ** 2, cpus: cpu / 100, pids });
  }
  return stats;
}
