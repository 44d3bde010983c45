import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import lockfile from "proper-lockfile";

/** How long a holder may go without refreshing its lock before others take it over (it crashed). */
const STALE_MS = 30_000;

/**
 * Runs `fn` while holding an inter-process lock on `path` (a `<path>.lock` folder that its
 * holder keeps fresh): two `drydock` processes never build the same thing at once. When the
 * lock is taken, `onWait` is called once and this waits for it, up to `maxWaitMs`.
 */
export async function withFileLock<T>(
  path: string,
  opts: { onWait?: () => void; maxWaitMs?: number },
  fn: () => Promise<T>,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + (opts.maxWaitMs ?? 30 * 60_000);
  let release: (() => Promise<void>) | undefined;
  let told = false;
  while (!release) {
    try {
      release = await lockfile.lock(path, { realpath: false, stale: STALE_MS });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ELOCKED" || Date.now() > deadline) throw err;
      if (!told) opts.onWait?.();
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => {});
  }
}
