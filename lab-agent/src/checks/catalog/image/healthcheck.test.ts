import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import { type HealthcheckProbe, testProgram, vacuous } from "../../probes/healthcheck-control.ts";
import { evaluateHealthcheck } from "./healthcheck.ts";
import { fixture, reference } from "./test-support.ts";

/** What the probe recorded on the lab's reference image. */
const REF: HealthcheckProbe = JSON.parse(fixture("image.healthcheck", "reference.probe.json"));
const REF_TEST = reference().inspect.Config.Healthcheck?.Test as string[];

function image(test: string[] | undefined): ImageRecord {
  const r = reference().inspect;
  return {
    ref: "registry:5000/reg-case-platform:dev",
    inspect: { ...r, Config: { ...r.Config, Healthcheck: test ? { Test: test } : undefined } },
  };
}
function probe(change: (p: HealthcheckProbe) => void): HealthcheckProbe {
  const p = structuredClone(REF);
  change(p);
  return p;
}
const CURL = ["CMD-SHELL", "curl -fsS http://127.0.0.1:$APP_PORT/health || exit 1"];

/** [what it models, Healthcheck.Test, what the probe saw (undefined: not run), status, summary]. */
const VARIANTS: Array<
  [string, string[] | undefined, HealthcheckProbe | undefined, "pass" | "fail" | "error", RegExp]
> = [
  // right
  [
    "exec-form node fetch of /health (the probe recorded on the lab)",
    REF_TEST,
    REF,
    "pass",
    /succeeds once the app serves.*fails when it does not \(exit 1\)/,
  ],
  [
    "the reference: bash's /dev/tcp, the status line of GET /health must say 200",
    [
      "CMD",
      "bash",
      "-c",
      "exec 3<>/dev/tcp/127.0.0.1/${APP_PORT:-8080} && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '",
    ],
    probe((p) => {
      p.binary = { name: "bash", path: "/usr/bin/bash" };
      p.negative = { code: 1, output: "bash: connect: Connection refused", at: 0.1 };
    }),
    "pass",
    /succeeds once the app serves.*fails when it does not \(exit 1\)/,
  ],
  [
    "bash's /dev/tcp with || exit 0: cannot fail",
    ["CMD-SHELL", "bash -c \"exec 3<>/dev/tcp/127.0.0.1/8080 && head -n 1 <&3 | grep -q ' 200 '\" || exit 0"],
    REF,
    "fail",
    /cannot fail.*always-true fallback/,
  ],
  [
    "the seed's curl probe on an image that has curl",
    CURL,
    probe((p) => {
      p.binary = { name: "curl", path: "/usr/bin/curl" };
      p.shell = true;
      p.negative = { code: 1, output: "curl: (7) Failed to connect", at: 0.6 };
    }),
    "pass",
    /fails when it does not \(exit 1\)/,
  ],
  [
    "busybox wget --spider (alpine)",
    ["CMD", "wget", "-q", "--spider", "http://localhost:8080/health"],
    probe((p) => {
      p.binary = { name: "wget", path: "/usr/bin/wget" };
      p.negative = { code: 1, output: "wget: can't connect", at: 0.5 };
    }),
    "pass",
    /succeeds/,
  ],
  [
    "a healthcheck script shipped with the app",
    ["CMD", "node", "dist/healthcheck.js"],
    REF,
    "pass",
    /succeeds/,
  ],
  [
    "a probe that hangs when the app is down (timeout counts as failing)",
    REF_TEST,
    probe((p) => {
      p.negative = { code: null, output: "the command did not finish within 3 s", at: 3.5 };
    }),
    "pass",
    /exit timeout/,
  ],
  // wrong
  ["no HEALTHCHECK", undefined, undefined, "fail", /declares no HEALTHCHECK/],
  ["HEALTHCHECK NONE", ["NONE"], undefined, "fail", /turns its healthcheck off/],
  ["HEALTHCHECK CMD true", ["CMD", "true"], undefined, "fail", /cannot fail/],
  [
    "curl … || exit 0",
    ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 0"],
    undefined,
    "fail",
    /always-true fallback/,
  ],
  [
    "curl … || true",
    ["CMD-SHELL", "curl -f http://localhost:8080/health || true"],
    undefined,
    "fail",
    /always-true fallback/,
  ],
  [
    "sh -c 'wget … ; exit 0' in exec form",
    ["CMD", "/bin/sh", "-c", "wget -q http://localhost:8080/health; exit 0"],
    undefined,
    "fail",
    /always-true fallback/,
  ],
  [
    "the seed's curl probe on node:20-slim, which has no curl",
    CURL,
    probe((p) => {
      p.binary = { name: "curl", path: null };
      p.shell = true;
    }),
    "fail",
    /runs curl, which is not in the image/,
  ],
  [
    "shell form on an image with no /bin/sh (distroless)",
    CURL,
    probe((p) => {
      p.shell = false;
    }),
    "fail",
    /no \/bin\/sh/,
  ],
  [
    "a test that does not look at the app (test -f dist/main.js)",
    ["CMD-SHELL", "test -f /app/dist/main.js"],
    probe((p) => {
      p.binary = { name: "test", path: "(shell builtin test)" };
      p.negative = { code: 0, output: "", at: 0.5 };
    }),
    "fail",
    /succeeds even when the app is not running/,
  ],
  [
    "probes the wrong port (3000), never healthy",
    ["CMD", "node", "-e", "fetch('http://127.0.0.1:3000/health')…"],
    probe((p) => {
      p.positive = { success: null, last: { code: 1, output: "ECONNREFUSED", at: 29 }, exited: null };
    }),
    "fail",
    /never succeeded while the app ran/,
  ],
  // can't tell
  [
    "the app stops at start, so the positive run cannot happen",
    REF_TEST,
    probe((p) => {
      p.positive = { success: null, last: null, exited: { code: 78, logs: "DATABASE_URL is required" } };
    }),
    "error",
    /Can't tell.*stopped at start \(exit 78\)/,
  ],
  [
    "no sleep in the image to hold the negative control",
    REF_TEST,
    probe((p) => {
      p.negative = { skipped: "the image has no sleep to hold a container open without the app" };
    }),
    "error",
    /Can't tell.*no sleep/,
  ],
];

describe("image.healthcheck", () => {
  it.each(VARIANTS)("%s", (_what, test, seen, status, summary) => {
    const r = evaluateHealthcheck(image(test), seen);
    expect(r.summary).toMatch(summary);
    expect(r.status).toBe(status);
  });

  it.each([
    [["CMD", "node", "-e", "x"], "node"],
    [["CMD-SHELL", "NODE_ENV=x curl -f http://x || exit 1"], "curl"],
    [["CMD-SHELL", "exec wget -q http://x"], "wget"],
    // A shell whose /bin/sh is bash opens /dev/tcp itself: no program to look up before printf
    // (on dash or busybox ash the redirection fails, and the positive control shows it).
    [
      ["CMD-SHELL", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3"],
      "printf",
    ],
    [["CMD-SHELL", "exec 3<> /dev/tcp/127.0.0.1/8080 && head -n 1 <&3 | grep -q 200"], "head"],
  ])("finds the program of %j", (test, program) => {
    expect(testProgram(test)).toBe(program);
    expect(vacuous(test)).toBeNull();
  });
});
