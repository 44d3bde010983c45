import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ComposeModel, HarnessParams, type ModelRead, parseModel } from "./shared.ts";
import { evaluateStack } from "./test-stack.ts";

/** Recorded on a lab laptop (Compose 2.26): `docker compose … config --format json`, BUILD_ID and APP_IMAGE set. */
const DIR = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "stack");
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const P = HarnessParams.parse({});
const script = {
  path: "/workspace/reg-case-platform/scripts/integration-test.sh",
  text: "",
  executable: true,
};
const ok = (stdout: string, files = ["compose.test.yml"]) =>
  parseModel(files, true, { code: 0, stdout, stderr: "" });
const solved = (change: (m: ComposeModel) => void = () => {}): ModelRead => {
  const read = ok(text("solved.config.json"));
  if (read.model) change(read.model);
  return read;
};
const svc = (m: ComposeModel, n: string) => {
  const s = m.services[n];
  if (!s) throw new Error(n);
  return s;
};

const variants: Array<{ name: string; read: ModelRead; status: "pass" | "fail"; summary: RegExp }> = [
  // right
  {
    name: "the solve: standalone compose.test.yml",
    read: solved(),
    status: "pass",
    summary:
      /^No host ports; test-runner runs test-integration once case-api is healthy, on \$\{APP_IMAGE\} \(6 services/,
  },
  {
    name: "an override of the dev compose.yml with `ports: !reset []` (recorded)",
    read: ok(text("override-reset.json"), ["compose.yml", "compose.test.yml"]),
    status: "pass",
    summary: /No host ports.*compose\.yml \+ compose\.test\.yml/,
  },
  {
    name: "only `expose:` on the api (no published port)",
    read: solved((m) => {
      svc(m, "case-api").expose = ["8080"];
      svc(m, "case-api").ports = [{ mode: "ingress", target: 8080, protocol: "tcp" }];
    }),
    status: "pass",
    summary: /No host ports/,
  },
  {
    name: "the runner gated on the api only (no worker dependency), image HEALTHCHECK used",
    read: solved((m) => {
      svc(m, "test-runner").depends_on = { "case-api": { condition: "service_healthy" } };
      delete svc(m, "case-api").healthcheck;
    }),
    status: "pass",
    summary: /No host ports/,
  },
  {
    name: "the runner as a shell command running the mode",
    read: solved((m) => {
      svc(m, "test-runner").command = ["sh", "-c", "node dist/main.js test-integration"];
    }),
    status: "pass",
    summary: /No host ports/,
  },
  // wrong
  {
    name: "an override with `ports: []`: Compose merges lists, the base's ports stay (recorded)",
    read: ok(text("override-empty.json"), ["compose.yml", "compose.test.yml"]),
    status: "fail",
    summary: /publishes host ports \(case-api: 8080→8080, postgres: 5432→5432\).*ports: !reset \[\]/,
  },
  {
    name: "the dev port kept on the api",
    read: solved((m) => {
      svc(m, "case-api").ports = [{ mode: "ingress", target: 8080, published: "8080", protocol: "tcp" }];
    }),
    status: "fail",
    summary: /publishes host ports \(case-api: 8080→8080\)/,
  },
  {
    name: "the runner waits only for the api to be started",
    read: solved((m) => {
      svc(m, "test-runner").depends_on = { "case-api": { condition: "service_started" } };
    }),
    status: "fail",
    summary: /waits for case-api only to be started, not healthy/,
  },
  {
    name: "no depends_on at all: the tests race the api",
    read: solved((m) => {
      delete svc(m, "test-runner").depends_on;
    }),
    status: "fail",
    summary: /does not depend on case-api being healthy/,
  },
  {
    name: "the api's healthcheck disabled",
    read: solved((m) => {
      svc(m, "case-api").healthcheck = { disable: true };
    }),
    status: "fail",
    summary: /case-api's healthcheck is disabled/,
  },
  {
    name: "the runner runs the image's CMD (the api) instead of the tests",
    read: solved((m) => {
      svc(m, "test-runner").command = null;
    }),
    status: "fail",
    summary: /test-runner runs `the image's CMD`, not the test-integration mode/,
  },
  {
    name: "a hard-coded :latest image, not ${APP_IMAGE}",
    read: solved((m) => {
      svc(m, "case-api").image = "reg-case-platform:latest";
    }),
    status: "fail",
    summary: /case-api runs reg-case-platform:latest instead of \$\{APP_IMAGE\}/,
  },
  {
    name: "no test-runner service (tests run from the host)",
    read: solved((m) => {
      delete m.services["test-runner"];
    }),
    status: "fail",
    summary: /no test-runner service/,
  },
  {
    name: "a file Compose rejects: its own message is the evidence (recorded)",
    read: parseModel(["bad.yml"], true, { code: 15, stdout: "", stderr: text("override-bad.err") }),
    status: "fail",
    summary:
      /cannot be read: docker compose config rejects it: validating \/tmp\/ov\/bad\.yml: services\.case-api\.ports must be a list/,
  },
];

describe("harness.compose.stack", () => {
  it("has at least 4 right and 4 wrong variants", () => {
    expect(variants.filter((v) => v.status === "pass").length).toBeGreaterThanOrEqual(4);
    expect(variants.filter((v) => v.status !== "pass").length).toBeGreaterThanOrEqual(4);
  });
  for (const v of variants)
    it(v.name, () => {
      const r = evaluateStack(script, v.read, P);
      expect(r.status, r.summary).toBe(v.status);
      expect(r.summary).toMatch(v.summary);
      expect(r.evidence.length).toBeGreaterThan(0);
    });
  it("a file that is missing says so (the fresh lab's evidence)", () => {
    const r = evaluateStack(
      { path: "x", error: "no such file" },
      { files: ["compose.test.yml"], fromScript: false, error: "no such file: compose.test.yml" },
      P,
    );
    expect(r.status).toBe("fail");
    expect(JSON.stringify(r.evidence)).toContain("no such file");
  });
});
