import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * The e2e test drives Debian's own chromium (never a downloaded browser build). On a Debian
 * host, as root and with CI=true, it is installed here when missing; otherwise the error says how.
 */
export default function setup(): void {
  if (existsSync(CHROMIUM)) return;
  const debian =
    existsSync("/etc/debian_version") ||
    (existsSync("/etc/os-release") &&
      /^ID(_LIKE)?=.*\bdebian\b/m.test(readFileSync("/etc/os-release", "utf8")));
  if (debian && process.getuid?.() === 0 && process.env.CI === "true") {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    for (const args of [["update"], ["install", "-y", "--no-install-recommends", "chromium"]]) {
      const r = spawnSync("apt-get", args, { stdio: "inherit", env });
      if (r.status !== 0)
        throw new Error(
          `apt-get ${args.join(" ")} failed (exit ${r.status}); the site e2e test needs ${CHROMIUM}.`,
        );
    }
    if (existsSync(CHROMIUM)) return;
  }
  throw new Error(
    `The site e2e test needs Debian's chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (as root), or run with CI=true as root to let the test setup do it.`,
  );
}
