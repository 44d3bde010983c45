import { defineConfig } from "vitest/config";

// Two projects: fast pure-logic tests, and lab tests that drive a real Docker Engine.
export default defineConfig({
  test: {
    // One lab at a time: the machine has 2 cores and the lab tests share the host engine.
    fileParallelism: false,
    reporters: ["default", "./lab-agent/test/support/summary-reporter.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: ["lab-agent/test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "lab",
          include: ["lab-agent/test/lab/**/*.test.ts"],
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
