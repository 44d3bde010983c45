import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { accessSync, constants, existsSync, openSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { promisify } from "node:util";
import { createClient } from "@redis/client";
import pg from "pg";

const run = promisify(execFile);

/** Real PostgreSQL and Redis servers, started for one test run and stopped afterwards. */
export interface Services {
  /** A superuser URL (with a password: host connections use scram) to the `postgres` database. */
  pgAdminUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
  redisServer: string;
}

export async function startServices(log: (line: string) => void): Promise<Services> {
  const bins = await ensureBinaries(log);
  const root = await mkdtemp(join(tmpdir(), "reg-case-test-"));
  const started: ChildProcess[] = [];
  try {
    const pgAdminUrl = await startPostgres(bins, root, started);
    const redisUrl = await startRedis(bins, root, started);
    log(`PostgreSQL and Redis are up (data under ${root})`);
    return {
      pgAdminUrl,
      redisUrl,
      stop: async () => {
        await Promise.all(started.map(stopChild));
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map(stopChild));
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

// --- finding or installing the servers -------------------------------------------------

function findBinaries(): Partial<Binaries> {
  const found: Partial<Binaries> = {};
  const pgRoot = "/usr/lib/postgresql";
  if (existsSync(pgRoot)) {
    // Newest major version first.
    const versions = readdirSync(pgRoot)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = join(pgRoot, v, "bin");
      if (isExecutable(join(bin, "initdb")) && isExecutable(join(bin, "postgres"))) {
        found.initdb = join(bin, "initdb");
        found.postgres = join(bin, "postgres");
        break;
      }
    }
  }
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/bin", "/usr/sbin"])) {
    if (dir && isExecutable(join(dir, "redis-server"))) {
      found.redisServer = join(dir, "redis-server");
      break;
    }
  }
  return found;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function ensureBinaries(log: (line: string) => void): Promise<Binaries> {
  let found = findBinaries();
  const missing = [!found.postgres && "postgresql", !found.redisServer && "redis-server"].filter(
    (p): p is string => Boolean(p),
  );
  if (missing.length === 0) return found as Binaries;

  const how = `apt-get update && apt-get install -y ${missing.join(" ")}`;
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync("/etc/debian_version") && isExecutable("/usr/bin/apt-get");
  if (!isRoot || !isDebian) {
    throw new Error(
      `The app's integration tests need a PostgreSQL server and redis-server (missing: ${missing.join(", ")}). ` +
        `Install them with your package manager (on Debian, as root: ${how}) and run the tests again.`,
    );
  }
  if (process.env.CI !== "true" && !(await confirm(`Install Debian's ${missing.join(" and ")} now?`))) {
    throw new Error(
      `Missing ${missing.join(", ")}. Install with: ${how} (or run with CI=true to install unasked).`,
    );
  }
  log(`Installing Debian packages: ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024 });
  await run("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  found = findBinaries();
  if (!found.postgres || !found.redisServer) {
    throw new Error(`Installed ${missing.join(" ")}, but still cannot find initdb/postgres or redis-server.`);
  }
  return found as Binaries;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

// --- starting them --------------------------------------------------------------------

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startPostgres(bins: Binaries, root: string, started: ChildProcess[]): Promise<string> {
  // initdb refuses to run as root: as root, the cluster belongs to Debian's `postgres` user.
  const owner = process.getuid?.() === 0 ? await userIds("postgres") : undefined;
  const dataDir = join(root, "pg");
  const pwFile = join(root, "pg-password");
  const password = randomBytes(12).toString("hex");
  await writeFile(pwFile, password, { mode: 0o600 });
  if (owner) {
    await chown(root, owner.uid, owner.gid);
    await chown(pwFile, owner.uid, owner.gid);
  }
  await run(
    bins.initdb,
    [
      "-D",
      dataDir,
      "-U",
      "postgres",
      `--pwfile=${pwFile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--no-locale",
      "-E",
      "UTF8",
      "--no-sync",
    ],
    { ...owner, cwd: root },
  );
  const port = await freePort();
  const logFd = openSync(join(root, "postgres.log"), "a");
  if (owner) await chown(join(root, "postgres.log"), owner.uid, owner.gid);
  const child = spawn(
    bins.postgres,
    [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-k",
      root,
      "-c",
      "listen_addresses=127.0.0.1",
      // A throwaway cluster: durability buys nothing here, speed does.
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ],
    { ...owner, cwd: root, stdio: ["ignore", logFd, logFd] },
  );
  started.push(child);
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  await waitFor("PostgreSQL", child, join(root, "postgres.log"), async () => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
    } finally {
      await client.end().catch(() => {});
    }
  });
  return url;
}

async function startRedis(bins: Binaries, root: string, started: ChildProcess[]): Promise<string> {
  const port = await freePort();
  const logFd = openSync(join(root, "redis.log"), "a");
  const child = spawn(
    bins.redisServer,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--dir",
      root,
    ],
    { cwd: root, stdio: ["ignore", logFd, logFd] },
  );
  started.push(child);
  const url = `redis://127.0.0.1:${port}`;
  await waitFor("Redis", child, join(root, "redis.log"), async () => {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.destroy();
    }
  });
  return url;
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run("id", ["-u", name]),
    run("id", ["-g", name]),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function waitFor(
  what: string,
  child: ChildProcess,
  logPath: string,
  probe: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${what} exited with code ${child.exitCode} at startup; see ${logPath}`);
    }
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${what} did not answer within 30 s (${String(lastError)}); see ${logPath}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // SIGINT is PostgreSQL's "fast shutdown"; Redis exits on it too.
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
