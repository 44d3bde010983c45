import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { ImageRecord } from "../../collectors/collect-image.ts";
import type { IdleControl } from "../../probes/healthcheck.ts";
import { evaluateReadOnly, type ImageRun, type ReadOnlyProbe } from "./readonly-healthy.ts";

const ID = "sha256:d1d69fd555cb42ed457cdb34b5c527ab51055b8e23873a44be9b28c397eb46ee";
const image = (test: string[] | undefined): ImageRecord =>
  ({
    ref: "registry:5000/reg-case-platform:dev",
    inspect: {
      Id: ID,
      Config: { Healthcheck: test ? { Test: test } : undefined },
    } as unknown as Docker.ImageInspectInfo,
  }) as ImageRecord;
const NODE_FETCH = [
  "CMD",
  "node",
  "-e",
  "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))",
];
const healthy = (seconds = 2.1): ImageRun => ({
  state: { Status: "running", Running: true, ExitCode: 0, OOMKilled: false, Health: { Status: "healthy" } },
  seconds,
  logTail: "",
});
const exited = (code: number, log: string): ImageRun => ({
  state: {
    Status: "exited",
    Running: false,
    ExitCode: code,
    OOMKilled: false,
    Health: { Status: "unhealthy" },
  },
  seconds: 1.5,
  logTail: log,
});
const unhealthy = (log = ""): ImageRun => ({
  state: { Status: "running", Running: true, ExitCode: 0, OOMKilled: false, Health: { Status: "unhealthy" } },
  seconds: 30,
  logTail: log,
});
const idleFails: IdleControl = {
  ran: true,
  probe: { ExitCode: 1, Output: "" },
  note: "sleep instead of the app",
};
const probe = (readOnly: ImageRun, writable: ImageRun, idle: IdleControl = idleFails): ReadOnlyProbe => ({
  imageId: ID,
  readOnly,
  writable,
  idle,
});
const P = { tmpfs: ["/tmp"], timeoutSeconds: 30 };
const EROFS = "Error: EROFS: read-only file system, open '/home/node/.started-at'";

const variants: Array<{
  name: string;
  image: ImageRecord;
  probe?: ReadOnlyProbe;
  tmpfs?: string[];
  status: "pass" | "fail" | "error";
  summary: RegExp;
}> = [
  // right
  {
    name: "the solve: writes only to /tmp (tmpfs)",
    image: image(NODE_FETCH),
    probe: probe(healthy(), healthy()),
    status: "pass",
    summary: /Healthy in 2.1 s with a read-only root filesystem and a tmpfs at \/tmp/,
  },
  {
    name: "an nginx-like image that needs /var/cache and /run as tmpfs",
    image: image(["CMD-SHELL", "wget -qO- http://127.0.0.1/ || exit 1"]),
    probe: probe(healthy(), healthy()),
    tmpfs: ["/var/cache/nginx", "/run"],
    status: "pass",
    summary: /tmpfs at \/var\/cache\/nginx, \/run/,
  },
  {
    name: "the writable control was stopped early (the read-only copy was healthy first)",
    image: image(NODE_FETCH),
    probe: probe(healthy(1.2), unhealthy()),
    status: "pass",
    summary: /Healthy in 1.2 s/,
  },
  {
    name: "a distroless image: no sleep for the idle control",
    image: image(["CMD", "/app/healthcheck"]),
    probe: probe(healthy(), healthy(), { ran: false, note: "the idle copy did not start" }),
    status: "pass",
    summary: /Healthy/,
  },
  // wrong
  {
    name: "the entrypoint writes a marker file into $HOME (the h03-04 mistake)",
    image: image(NODE_FETCH),
    probe: probe(exited(1, EROFS), healthy()),
    status: "fail",
    summary: /exited \(code 1\); with a writable root it is healthy/,
  },
  {
    name: "npm writes its cache under /home/node/.npm at start",
    image: image(NODE_FETCH),
    probe: probe(exited(243, "npm ERR! code EROFS"), healthy()),
    status: "fail",
    summary: /exited \(code 243\)/,
  },
  {
    name: "the app keeps running but cannot write its uploads dir, /health says 503",
    image: image(NODE_FETCH),
    probe: probe(unhealthy("EROFS: mkdir '/app/uploads'"), healthy()),
    status: "fail",
    summary: /Not healthy within 30 s with a read-only root filesystem; with a writable root it is healthy/,
  },
  {
    name: "TMPDIR points outside the tmpfs (/var/tmp)",
    image: image(NODE_FETCH),
    probe: probe(exited(1, "EROFS: mkdtemp '/var/tmp/app-'"), healthy()),
    status: "fail",
    summary: /exited/,
  },
  {
    name: "no image built yet",
    image: { ref: "registry:5000/reg-case-platform:dev" } as ImageRecord,
    status: "fail",
    summary: /There is no image/,
  },
  // can't tell
  {
    name: "it fails with a writable root too (the healthcheck's curl is missing)",
    image: image(["CMD", "curl", "-f", "http://127.0.0.1:8080/health"]),
    probe: probe(unhealthy(), unhealthy()),
    status: "error",
    summary: /^Can't tell, because the image is not healthy with a writable root either/,
  },
  {
    name: "it exits at start with a writable root too (a missing setting)",
    image: image(NODE_FETCH),
    probe: probe(exited(78, "REDIS_URL is required"), exited(78, "REDIS_URL is required")),
    status: "error",
    summary: /the problem is not the read-only root/,
  },
  {
    name: "HEALTHCHECK CMD true: passes with no app, proves nothing",
    image: image(["CMD", "true"]),
    probe: probe(healthy(), healthy(), {
      ran: true,
      probe: { ExitCode: 0, Output: "" },
      note: "sleep instead of the app",
    }),
    status: "error",
    summary: /passes even with the app not running/,
  },
  {
    name: "no HEALTHCHECK in the image",
    image: image(undefined),
    status: "error",
    summary: /^Can't tell whether it serves with a read-only root, because the image has no healthcheck/,
  },
];

describe("image.readonly.healthy", () => {
  it.each(variants)("$name → $status", ({ image: img, probe: pr, tmpfs, status, summary }) => {
    const r = evaluateReadOnly(img, pr, { ...P, ...(tmpfs ? { tmpfs } : {}) });
    expect(r.status, r.summary).toBe(status);
    expect(r.summary).toMatch(summary);
  });

  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status === "fail").length).toBeGreaterThanOrEqual(4);
  });

  it("names the image id it ran, not only the tag", () => {
    const r = evaluateReadOnly(image(NODE_FETCH), probe(healthy(), healthy()), P);
    expect(JSON.stringify(r.evidence)).toContain(ID);
  });
});
