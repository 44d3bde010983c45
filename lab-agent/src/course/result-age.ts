/**
 * How old a check result is, and whether the lab changed since it was taken. Pure functions of
 * the wire schema (check-wire.ts), shared by the site's deliverables panel and its tests.
 */

/** A result is stale when the lab changed, in a way its check reads, after the result was taken. */
export function isStale(at: string, changedAt: string | undefined): boolean {
  if (changedAt === undefined) return false;
  const taken = Date.parse(at);
  const changed = Date.parse(changedAt);
  if (Number.isNaN(taken) || Number.isNaN(changed)) return false;
  return changed > taken;
}

/** "just now", "40 s ago", "2 min ago", "3 h ago", "yesterday", "5 days ago" (a clock ahead of ours reads "just now"). */
export function ageText(at: string, now: number): string {
  const taken = Date.parse(at);
  if (Number.isNaN(taken)) return "at an unknown time";
  const s = Math.floor((now - taken) / 1000);
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ago`;
  const days = Math.floor(h / 24);
  return days === 1 ? "yesterday" : `${days} days ago`;
}
