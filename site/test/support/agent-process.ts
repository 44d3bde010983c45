import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./site-files.ts";

const BIN = join(repoRoot, "lab-agent", "bin", "drydock.mjs");

export interface Agent {
  child: ChildProcess;
  /** The opening URL, with the access token. */
  url: string;
  origin: string;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * `drydock start --no-open --port 0 --lab <lab> [args]` with its own DRYDOCK_HOME; resolves once it
 * serves. `args: ["--no-lab"]` starts no engine and no lab (the progress and mentor pages need none).
 */
export async function startAgent(
  home: string,
  lab: string,
  timeoutMs = 540_000,
  args: readonly string[] = [],
): Promise<Agent> {
  const child = spawn(process.execPath, [BIN, "start", "--no-open", "--port", "0", "--lab", lab, ...args], {
    env: { ...process.env, DRYDOCK_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  const url = await new Promise<string>((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const m = /Drydock is running: (http:\/\/\S+#token=\S+)/.exec(out);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      } else if (Date.now() - started > timeoutMs) {
        clearInterval(timer);
        child.kill("SIGINT");
        reject(new Error(`drydock start did not serve within ${timeoutMs / 1000} s:\n${out}`));
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`drydock start exited ${code}:\n${out}`));
    });
  });
  return {
    child,
    url,
    origin: new URL(url).origin,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill("SIGINT");
      await exited;
    },
  };
}

/** `drydock lab down --lab <lab>`: removes only this lab's containers, network and volumes. */
export function labDown(home: string, lab: string): void {
  spawnSync(process.execPath, [BIN, "lab", "down", "--lab", lab], {
    env: { ...process.env, DRYDOCK_HOME: home },
    stdio: "ignore",
    timeout: 180_000,
  });
}
