import { readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CheckContext } from "../../check-definition.ts";
import { collectSwarm, type SwarmFacts, type SwarmTask } from "../../collectors/collect-swarm.ts";

export interface BundleFile {
  name: string;
  text: string;
  mtimeMs: number;
}

export interface BundleFacts {
  /** The workspace folder holding the bundles, and the newest `incident-*` in it. */
  dir: string;
  bundle: string | null;
  files: BundleFile[];
  swarm: SwarmFacts;
  now: number;
}

const MAX = 512 * 1024;

/** The newest `incident-*` folder under dir (by name: the seed names them by date), its files read. */
export async function collectBundle(ctx: CheckContext, dir: string, stack: string): Promise<BundleFacts> {
  return ctx.memo(`incident-bundle:${dir}`, async () => {
    const root = join(ctx.lab.workspace, dir);
    let names: string[] = [];
    try {
      names = readdirSync(root).filter((n) => /^incident-/.test(n) && statSync(join(root, n)).isDirectory());
    } catch {
      names = [];
    }
    const bundle = names.sort().at(-1) ?? null;
    const files: BundleFile[] = [];
    if (bundle) {
      for (const name of readdirSync(join(root, bundle)).sort()) {
        const full = join(root, bundle, name);
        const st = statSync(full);
        if (!st.isFile()) continue;
        const text = (await readFile(full, "utf8")).slice(0, MAX);
        files.push({ name, text, mtimeMs: st.mtimeMs });
      }
    }
    return { dir, bundle, files, swarm: await collectSwarm(ctx, stack), now: Date.now() };
  });
}

/** A task that ended in failure, as Swarm recorded it: its error, exit code and when. */
export interface RecordedFailure {
  service: string;
  task: string;
  at: string;
  exitCode: number | null;
  err: string;
  /** What names it in a note: the exit code, or a failed healthcheck. */
  cause: "exit-code" | "unhealthy" | "oom";
}

export function recordedFailures(swarm: SwarmFacts): RecordedFailure[] {
  const name = (t: SwarmTask) => swarm.services.find((s) => s.ID === t.ServiceID)?.Spec.Name ?? t.ServiceID;
  return swarm.tasks
    .filter(
      (t) =>
        ["failed", "rejected"].includes(t.Status?.State ?? "") ||
        (t.Status?.ContainerStatus?.ExitCode ?? 0) !== 0,
    )
    .map((t) => {
      const err = t.Status?.Err ?? t.Status?.Message ?? "";
      const exitCode =
        t.Status?.ContainerStatus?.ExitCode ?? (Number(/exit \((\d+)\)/.exec(err)?.[1]) || null);
      const cause: RecordedFailure["cause"] = /unhealthy|health/i.test(err)
        ? "unhealthy"
        : /oom/i.test(err)
          ? "oom"
          : "exit-code";
      return {
        service: name(t),
        task: t.ID,
        at: t.Status?.Timestamp ?? t.UpdatedAt ?? "",
        exitCode,
        err,
        cause,
      };
    })
    .sort((a, b) => b.at.localeCompare(a.at));
}

/** Whether a text names a recorded failure's cause: its exit code by number, or a failed health, or OOM for 137. */
export function namesCause(text: string, f: RecordedFailure): boolean {
  const t = text.toLowerCase();
  if (f.cause === "unhealthy")
    return /unhealthy|health ?check(?:s)? fail|failed (?:its )?health|health (?:check )?failed/.test(t);
  if (f.exitCode === null) return false;
  const code = String(f.exitCode);
  const byCode = new RegExp(
    `\\bexit(?:ed)?(?: code| status)?(?: with)?\\s*[:=(]?\\s*${code}\\b|\\(${code}\\)|\\bcode ${code}\\b`,
  ).test(t);
  if (byCode) return true;
  return f.exitCode === 137 && /\boom\b|oom.?kill|out of memory/.test(t);
}
