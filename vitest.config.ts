import { defineConfig } from "vitest/config";
import SlowFirstSequencer from "./lab-agent/test/support/slow-first-sequencer.ts";

// Projects: fast pure-logic tests, lab tests that drive a real Docker Engine, the starter app,
// the course site and the site in a browser.
export default defineConfig({
  test: {
    // Two files at a time, whatever their project: lab tests spend most of their time waiting
    // on engines (health checks, rollouts), and each file has a lab of its own.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
    sequence: { sequencer: SlowFirstSequencer },
    reporters: ["default", "./lab-agent/test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          // Pure logic: lab-agent/test/unit, and each check's variant table beside it in lab-agent/src.
          include: ["lab-agent/test/unit/**/*.test.ts", "lab-agent/src/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "lab",
          include: ["lab-agent/test/lab/**/*.test.ts"],
          // Opt in with DRYDOCK_WORKSHOP_TEST=1: two workshop learners' labs, their isolation and
          // `workshop stop` (a workshop host's concern, not every change's).
          exclude: [
            ...(process.env.DRYDOCK_WORKSHOP_TEST === "1"
              ? []
              : ["lab-agent/test/lab/workshop-labs.test.ts"]),
          ],
          globalSetup: ["lab-agent/test/support/global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 900_000,
        },
      },
      {
        // The capstone's starter app, against a real PostgreSQL and Redis started by globalSetup.
        test: {
          name: "app",
          include: ["exercises/reg-case-platform/test/**/*.test.ts"],
          globalSetup: ["exercises/reg-case-platform/test/support/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The course site: a real `astro build`, its pages, links, frontmatter and JS weight.
        test: {
          name: "site",
          include: ["site/test/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        // The course site in Debian's chromium against a real agent and lab.
        test: {
          name: "site-e2e",
          include: ["site/test/e2e/**/*.test.ts"],
          globalSetup: ["lab-agent/test/support/global-setup.ts", "site/test/support/chromium-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
