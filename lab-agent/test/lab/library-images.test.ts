import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedImages, seedKey } from "../../src/images/image-definitions.ts";
import { LabSettings } from "../../src/lab/lab-settings.ts";
import { drydock, tempHome } from "../support/cli.ts";
import { execIn, hostDocker, until } from "../support/lab-helpers.ts";

const lab = `lib${Date.now().toString(36)}`;
const home = tempHome();
const workspace = join(home, "workspace");
let docker: Docker;
let upStderr = "";

/** `docker …` on the lab's laptop engine; fails the test with the output when it exits non-zero. */
async function onLaptop(...args: string[]): Promise<string> {
  const result = await execIn(docker, lab, "laptop", ["docker", ...args]);
  if (result.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${result.code}:\n${result.output}`);
  return result.output;
}

/** The user owning PID 1 of a container: what the server process runs as. */
async function processUser(container: string): Promise<string> {
  return (await onLaptop("exec", container, "stat", "-c", "%U", "/proc/1")).trim();
}

beforeAll(async () => {
  docker = await hostDocker();
  const up = await drydock(["lab", "up", "--lab", lab, "--workspace", workspace, "--json"], { home });
  upStderr = up.stderr;
  if (up.code !== 0) throw new Error(`lab up failed:\n${up.stderr}`);
  await onLaptop("network", "create", "libtest");
});

afterAll(async () => {
  await drydock(["lab", "down", "--lab", lab], { home });
});

describe.sequential(`library images in lab ${lab}`, () => {
  it("a new lab's registry starts seeded: nothing is pushed, and settings record every tag's digest", () => {
    expect(upStderr).not.toContain("into the lab registry");
    const settings = LabSettings.parse(JSON.parse(readFileSync(join(home, "labs", `${lab}.json`), "utf8")));
    for (const seed of seedImages) {
      expect(settings.seeded[seedKey(seed)]?.digest, seedKey(seed)).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it("every seeded tag pulls on laptop and on worker-1, at the digest recorded in the lab settings", async () => {
    const settings = LabSettings.parse(JSON.parse(readFileSync(join(home, "labs", `${lab}.json`), "utf8")));
    for (const role of ["laptop", "worker-1"] as const) {
      for (const seed of seedImages) {
        const ref = `${seed.repository.replace(/^library\//, "")}:${seed.tag}`;
        const pulled = await execIn(docker, lab, role, ["docker", "pull", ref]);
        expect(pulled.code, `${role}: docker pull ${ref}\n${pulled.output}`).toBe(0);
        expect(pulled.output).toContain(`Digest: ${settings.seeded[seedKey(seed)]?.digest}`);
      }
    }
  });

  it("postgres:17 initialises from POSTGRES_PASSWORD_FILE, runs init scripts, answers pg_isready and psql", async () => {
    mkdirSync(join(workspace, "pg", "initdb"), { recursive: true });
    writeFileSync(join(workspace, "pg", "password"), "s3cret-pw\n");
    writeFileSync(
      join(workspace, "pg", "initdb", "01-schema.sql"),
      "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('seeded by initdb.d');\n",
    );
    await onLaptop(
      "run",
      "-d",
      "--name",
      "pg",
      "--network",
      "libtest",
      "-e",
      "POSTGRES_USER=app",
      "-e",
      "POSTGRES_DB=appdb",
      "-e",
      "POSTGRES_PASSWORD_FILE=/run/secrets/pg-password",
      "-v",
      "/workspace/pg/password:/run/secrets/pg-password:ro",
      "-v",
      "/workspace/pg/initdb:/docker-entrypoint-initdb.d:ro",
      "postgres:17",
    );
    await until(
      "pg_isready in the postgres container",
      async () => {
        const ready = await execIn(docker, lab, "laptop", [
          "docker",
          "exec",
          "pg",
          "pg_isready",
          "-h",
          "127.0.0.1",
          "-U",
          "app",
          "-d",
          "appdb",
        ]);
        return ready.code === 0 && /accepting connections/.test(ready.output) ? true : undefined;
      },
      90_000,
    );
    const logs = await onLaptop("logs", "pg");
    expect(logs).toContain("PostgreSQL init process complete; ready for start up.");
    // Another container, over the network: password authentication as the created user.
    const query = await onLaptop(
      "run",
      "--rm",
      "--network",
      "libtest",
      "-e",
      "PGPASSWORD=s3cret-pw",
      "postgres:17",
      "psql",
      "-h",
      "pg",
      "-U",
      "app",
      "-d",
      "appdb",
      "-tAc",
      "SELECT current_user || ' ' || (SELECT body FROM notes)",
    );
    expect(query.trim()).toBe("app seeded by initdb.d");
    const wrong = await execIn(docker, lab, "laptop", [
      "docker",
      "run",
      "--rm",
      "--network",
      "libtest",
      "-e",
      "PGPASSWORD=wrong",
      "postgres:17",
      "psql",
      "-h",
      "pg",
      "-U",
      "app",
      "-d",
      "appdb",
      "-c",
      "SELECT 1",
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain('password authentication failed for user "app"');
  });

  it("postgres runs as the postgres user and stops cleanly on docker stop", async () => {
    expect(await processUser("pg")).toBe("postgres");
    await onLaptop("stop", "pg");
    const state = await onLaptop("inspect", "--format", "{{.State.ExitCode}}", "pg");
    expect(state.trim()).toBe("0");
    expect(await onLaptop("logs", "pg")).toContain("database system is shut down");
  });

  it("redis:8 with --appendonly yes writes its AOF under /data, runs as redis, answers other containers", async () => {
    await onLaptop(
      "run",
      "-d",
      "--name",
      "cache",
      "--network",
      "libtest",
      "redis:8",
      "redis-server",
      "--appendonly",
      "yes",
    );
    const pong = await until(
      "redis to answer from another container",
      async () => {
        const r = await execIn(docker, lab, "laptop", [
          "docker",
          "run",
          "--rm",
          "--network",
          "libtest",
          "redis:8",
          "redis-cli",
          "-h",
          "cache",
          "set",
          "greeting",
          "hello",
        ]);
        return r.code === 0 && r.output.includes("OK") ? r.output : undefined;
      },
      60_000,
    );
    expect(pong).toContain("OK");
    const files = await onLaptop("exec", "cache", "sh", "-c", "ls -d /data/appendonly*");
    expect(files).toMatch(/\/data\/appendonly/);
    expect(await processUser("cache")).toBe("redis");
  });

  it("nginx:1.26 serves a conf.d server and logs requests to stdout", async () => {
    mkdirSync(join(workspace, "nginx"), { recursive: true });
    writeFileSync(
      join(workspace, "nginx", "app.conf"),
      'server {\n  listen 8080;\n  location / { return 200 "hello from conf.d\\n"; }\n}\n',
    );
    await onLaptop(
      "run",
      "-d",
      "--name",
      "web",
      "--network",
      "libtest",
      "-v",
      "/workspace/nginx/app.conf:/etc/nginx/conf.d/app.conf:ro",
      "nginx:1.26",
    );
    const body = await until(
      "nginx to serve the conf.d server",
      async () => {
        const r = await execIn(docker, lab, "laptop", [
          "docker",
          "run",
          "--rm",
          "--network",
          "libtest",
          "busybox",
          "wget",
          "-qO-",
          "http://web:8080/",
        ]);
        return r.code === 0 ? r.output : undefined;
      },
      60_000,
    );
    expect(body).toBe("hello from conf.d\n");
    const welcome = await onLaptop(
      "run",
      "--rm",
      "--network",
      "libtest",
      "busybox",
      "wget",
      "-qO-",
      "http://web/",
    );
    expect(welcome).toContain("Welcome to nginx!");
    expect(await onLaptop("logs", "web")).toMatch(/"GET \/ HTTP\/1\.1" 200 18 /);
    const stopSignal = await onLaptop("inspect", "--format", "{{.Config.StopSignal}}", "nginx:1.26");
    expect(stopSignal.trim()).toBe("SIGQUIT");
  });

  it("node:20-slim has a node user 1000:1000 with /home/node, runs node -e, and builds FROM it", async () => {
    const user = await onLaptop(
      "run",
      "--rm",
      "node:20-slim",
      "sh",
      "-c",
      "id -u node; id -g node; echo ~node",
    );
    expect(user.trim().split("\n")).toEqual(["1000", "1000", "/home/node"]);
    // Arguments that start with "-" go to node, as in the official image.
    expect((await onLaptop("run", "--rm", "node:20-slim", "-e", "console.log(6 * 7)")).trim()).toBe("42");
    mkdirSync(join(workspace, "nodeapp"), { recursive: true });
    writeFileSync(
      join(workspace, "nodeapp", "Dockerfile"),
      [
        "FROM node:20-slim",
        "WORKDIR /app",
        'RUN npm init -y >/dev/null && npm pkg set scripts.start="node -p process.version"',
        "USER node",
        'CMD ["npm", "start", "--silent"]',
        "",
      ].join("\n"),
    );
    await onLaptop("build", "-t", "nodeapp", "/workspace/nodeapp");
    expect((await onLaptop("run", "--rm", "nodeapp")).trim()).toMatch(/^v20\.\d+\.\d+$/);
  });

  it("prom/prometheus:v2.53.3 runs as nobody, checks a config with promtool, and scrapes another container", async () => {
    mkdirSync(join(workspace, "prom"), { recursive: true });
    writeFileSync(
      join(workspace, "prom", "prometheus.yml"),
      'global:\n  scrape_interval: 2s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ["localhost:9090"]\n  - job_name: peer\n    static_configs:\n      - targets: ["peer:9090"]\n',
    );
    const checked = await onLaptop(
      "run",
      "--rm",
      "-v",
      "/workspace/prom:/etc/prometheus:ro",
      "--entrypoint",
      "promtool",
      "prom/prometheus:v2.53.3",
      "check",
      "config",
      "/etc/prometheus/prometheus.yml",
    );
    expect(checked).toContain("SUCCESS");
    // One with the image's own configuration (as the peer), one with the mounted folder.
    await onLaptop("run", "-d", "--name", "peer", "--network", "libtest", "prom/prometheus:v2.53.3");
    await onLaptop(
      "run",
      "-d",
      "--name",
      "prom",
      "--network",
      "libtest",
      "--read-only",
      "-v",
      "/workspace/prom:/etc/prometheus:ro",
      "prom/prometheus:v2.53.3",
    );
    const health = await until(
      "Prometheus to scrape itself and the peer",
      async () => {
        const r = await execIn(docker, lab, "laptop", [
          "docker",
          "exec",
          "prom",
          "wget",
          "-qO-",
          "http://127.0.0.1:9090/api/v1/targets?state=active",
        ]);
        if (r.code !== 0) return undefined;
        const targets = (
          JSON.parse(r.output) as { data: { activeTargets: Array<{ scrapePool: string; health: string }> } }
        ).data.activeTargets;
        const got = Object.fromEntries(targets.map((t) => [t.scrapePool, t.health]));
        return got.self === "up" && got.peer === "up" ? got : undefined;
      },
      60_000,
    );
    expect(health).toEqual({ self: "up", peer: "up" });
    expect(await processUser("prom")).toBe("nobody");
    const ready = await onLaptop("exec", "peer", "wget", "-qO-", "http://127.0.0.1:9090/-/ready");
    expect(ready).toContain("Ready");
    // Debian's build: the classic UI, which / redirects to.
    const ui = await onLaptop("exec", "peer", "wget", "-qO-", "http://127.0.0.1:9090/");
    expect(ui).toContain("Prometheus Time Series Collection and Processing Server");
  });

  it("busybox runs sh -c with its applets", async () => {
    const out = await onLaptop("run", "--rm", "busybox", "sh", "-c", "echo $((6 * 7)) | tr 4 x; uname -s");
    expect(out.trim().split("\n")).toEqual(["x2", "Linux"]);
    const size = await onLaptop("image", "inspect", "--format", "{{.Size}}", "busybox");
    expect(Number(size.trim())).toBeLessThan(5 * 1024 ** 2);
  });
});
