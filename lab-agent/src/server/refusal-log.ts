import type { Logger } from "pino";

/**
 * Refused requests are logged, but a probe or a flood must not write thousands of lines:
 * per kind of refusal, at most `perWindow` lines per window, then one line that says how
 * many more were refused.
 */
export class RefusalLog {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly log: Logger,
    private readonly perWindow = 10,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      if (w && w.count > this.perWindow) {
        this.log.warn(
          { kind: key, suppressed: w.count - this.perWindow },
          `${w.count - this.perWindow} more refusals (${key}) were not logged in the last ${Math.round(this.windowMs / 1000)} s`,
        );
      }
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count <= this.perWindow) this.log.warn(fields, message);
    else if (w.count === this.perWindow + 1) {
      this.log.warn({ kind: key }, `more refusals (${key}): logging them again in a minute, as a count`);
    }
  }
}
