/**
 * Practice time from activity ticks: the time between two ticks counts when the gap is at most
 * `idleMs` (the learner was at it); a longer gap is idle and counts nothing. Each run of activity
 * also gets `tailMs` after its last tick (the minute spent reading what the last command printed),
 * never more than the gap to the next tick. Pure; times in ms.
 */
export const IDLE_MS = 5 * 60_000;
export const TAIL_MS = 30_000;
/** A source records at most one tick per this interval (the store drops the rest). */
export const TICK_MS = 15_000;

export function activeMs(ticks: readonly number[], idleMs = IDLE_MS, tailMs = TAIL_MS): number {
  const sorted = [...ticks].sort((a, b) => a - b);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const next = sorted[i + 1];
    const gap = next === undefined ? Number.POSITIVE_INFINITY : next - (sorted[i] ?? 0);
    total += gap <= idleMs ? gap : Math.min(tailMs, gap);
  }
  return total;
}
