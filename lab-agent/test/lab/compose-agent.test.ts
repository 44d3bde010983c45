import { randomBytes } from "node:crypto";
import { lstatSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../src/common/paths.ts";
import { tempHome } from "../support/cli.ts";
import { compose, composeEnv } from "../support/compose-cli.ts";
import { hostDocker, until } from "../support/lab-helpers.ts";

/**
 * The top-level compose.yml as a workshop host runs it: the agent image built offline on
 * Drydock's library Node image, `up -d`, the agent answering on the host's loopback with its
 * token, Host and Origin rules, reaching the host engine through the mounted socket, then `down`.
 * The agent runs `start --no-lab` here (an override file; the service is otherwise compose.yml's
 * own), so no lab is created: the engine is proven from inside the container instead. The
 * default command creating a whole lab was run by hand (README, "Docker Compose").
 */
const project = `dd-compose-${randomBytes(3).toString("hex")}`;
const home = tempHome();
const projectLabel = `com.docker.compose.project=${project}`;
let docker: Docker;
let env: NodeJS.ProcessEnv;
let files: string[];
let port: number;
let token: string;

const run = (...args: string[]) => compose(["-p", project, ...files, ...args], env);

/** One request with any headers (fetch cannot set Host), answering the status and body. */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  docker = await hostDocker();
  env = { ...(await composeEnv(join(home, "docker-config"))), PWD: repoRoot, DRYDOCK_HOME: home };
  env.DRYDOCK_PORT = "0"; // a free port, read from the agent's output
  // compose.yml's service, with a command that creates no lab. A checkout whose node_modules is a
  // link (git worktrees share one) needs its target mounted too.
  const extraMounts: string[] = [];
  const modules = join(repoRoot, "node_modules");
  if (lstatSync(modules).isSymbolicLink()) {
    const target = realpathSync(modules);
    extraMounts.push(`      - ${target}:${target}:ro`);
  }
  const override = join(home, "no-lab.yml");
  writeFileSync(
    override,
    [
      "services:",
      "  agent:",
      `    command: ["start", "--no-open", "--no-lab", "--port", "0"]`,
      ...(extraMounts.length > 0 ? ["    volumes:", ...extraMounts] : []),
      "",
    ].join("\n"),
  );
  files = ["-f", join(repoRoot, "compose.yml"), "-f", override];
});

afterAll(async () => {
  await run("down", "--timeout", "20");
  rmSync(home, { recursive: true, force: true });
});

describe("Drydock's agent in Docker Compose, offline", () => {
  it("Compose v2 accepts compose.yml: host networking, the socket, Drydock's own base", async () => {
    const config = await compose(["-f", join(repoRoot, "compose.yml"), "config", "--format", "json"], env);
    expect(config.code, config.stderr).toBe(0);
    const services = JSON.parse(config.stdout).services as Record<string, Record<string, unknown>>;
    expect(Object.keys(services)).toEqual(["agent"]);
    const agent = services.agent as {
      network_mode: string;
      pull_policy: string;
      build: { args: Record<string, string> };
      volumes: { source: string; target: string }[];
    };
    expect(agent.network_mode).toBe("host");
    expect(agent.pull_policy).toBe("never");
    const base = agent.build.args.BASE_IMAGE as string;
    expect(base).toBe("drydock/library-node:20-slim");
    // Built here by `drydock images` (the lab tests' global setup): nothing to pull.
    await expect(docker.getImage(base).inspect()).resolves.toBeTruthy();
    expect(agent.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: "/var/run/docker.sock", target: "/var/run/docker.sock" }),
        expect.objectContaining({ source: repoRoot, target: repoRoot }),
        expect.objectContaining({ source: home, target: home }),
      ]),
    );
  });

  it("builds the agent image with no registry, and `up -d` starts the agent", async () => {
    const build = await run("build");
    expect(build.code, build.stderr).toBe(0);
    const up = await run("up", "-d");
    expect(up.code, up.stderr).toBe(0);
    const url = await until(
      "the agent's URL in its log",
      async () => {
        const logs = await run("logs", "--no-color", "agent");
        const m = /Drydock is running: http:\/\/127\.0\.0\.1:(\d+)\/#token=/.exec(logs.stdout);
        if (m) return m;
        const ps = await run("ps", "-a", "--format", "{{.State}}", "agent");
        if (/exited|dead/.test(ps.stdout)) throw new Error(`the agent exited:\n${logs.stdout}${logs.stderr}`);
        return undefined;
      },
      60_000,
    );
    port = Number(url[1]);
    token = readFileSync(join(home, "agent-token"), "utf8").trim();
    const [container] = await docker.listContainers({ all: true, filters: { label: [projectLabel] } });
    const info = await docker.getContainer(container?.Id as string).inspect();
    expect(info.HostConfig.NetworkMode).toBe("host");
    expect(info.Config.Image).toBe("drydock/agent:latest");
  });

  it("answers on the host's loopback with its token, Host and Origin rules", async () => {
    const host = `127.0.0.1:${port}`;
    const bearer = `Bearer ${token}`;
    const ok = await get("/api/version", { Host: host, Authorization: bearer });
    expect(ok.status, ok.body).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ name: "drydock" });
    expect((await get("/api/version", { Host: host })).status).toBe(401);
    expect((await get("/api/version", { Host: host, Authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get("/api/version", { Host: `evil.example:${port}`, Authorization: bearer })).status).toBe(
      403,
    );
    const foreign = { Host: host, Authorization: bearer, Origin: "http://evil.example" };
    expect((await get("/api/version", foreign)).status).toBe(403);
    const own = await get("/api/version", { Host: host, Authorization: bearer, Origin: `http://${host}` });
    expect(own.status).toBe(200);
    // The course site, served from the mounted checkout's build.
    const page = await get("/", { Host: host });
    expect(page.status).toBe(200);
    expect(page.body).toContain("<html");
  });

  it("reaches the host's engine through the mounted socket, with the CLI its terminals run", async () => {
    const hostVersion = (await docker.version()).Version;
    const engine = await run("exec", "-T", "agent", "node", "lab-agent/bin/drydock.mjs", "engine");
    expect(engine.code, engine.stderr).toBe(0);
    expect(engine.stdout).toContain(`Docker Engine ${hostVersion} answers at`);
    expect(engine.stdout).toContain("/var/run/docker.sock");
    const cli = await run("exec", "-T", "agent", "docker", "version", "--format", "{{.Server.Version}}");
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.trim()).toBe(hostVersion);
  });

  it("`down` leaves no container or network of the project behind", async () => {
    const down = await run("down", "--timeout", "20");
    expect(down.code, down.stderr).toBe(0);
    const filters = { label: [projectLabel] };
    expect(await docker.listContainers({ all: true, filters })).toEqual([]);
    expect(await docker.listNetworks({ filters })).toEqual([]);
    expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
  });
});
