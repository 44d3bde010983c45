import { rmSync } from "node:fs";
import Docker from "dockerode";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { drydockHome, repoRoot } from "../common/paths.ts";
import type { Progress } from "../common/progress.ts";
import { ensureEngine } from "../engine/ensure-engine.ts";
import { labUp, type UpOptions } from "../lab/lab-lifecycle.ts";
import type { LabId } from "../lab/lab-names.ts";
import type { LabStatus } from "../lab/lab-status.ts";
import { newAccessToken, tokenPath, writeAccessToken } from "./access-token.ts";
import { startAgentServer } from "./agent-server.ts";
import { agentLogger } from "./logger.ts";
import { openBrowser } from "./open-browser.ts";
import { isLoopbackHost } from "./request-guard.ts";
import { ensureSiteBuilt } from "./site-build.ts";

export interface StartOptions {
  lab: LabId;
  host: string;
  /** Required, besides --host, to listen on anything but loopback. */
  exposeRootShells: boolean;
  port: number;
  open: boolean;
  /** A mentor's agent: the site and the scorecard routes, no engine and no lab. */
  noLab?: boolean;
  yes: boolean;
  verbose: boolean;
  graceSeconds: number;
  up: UpOptions;
  version: string;
}

export interface StartIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  progress: Progress;
  /** Renders the lab's status for a person. */
  formatStatus: (status: LabStatus) => string;
}

/**
 * `drydock start`: engine, images and lab (reused when there), the course site (built
 * when it changed), then one agent process serving site, API and terminals until
 * Ctrl-C. Stopping closes the terminals and leaves the lab running for next time.
 */
export async function startDrydock(opts: StartOptions, io: StartIo): Promise<void> {
  const home = drydockHome();
  if (!isLoopbackHost(opts.host) && !opts.exposeRootShells) {
    throw new DrydockError(
      ErrorCode.usage,
      `--host ${opts.host} would make root shells into the lab reachable from the network.`,
      {
        hint: "Keep the default (127.0.0.1). If you really mean it, add --expose-root-shells as well: anyone who gets the token then has root in the lab.",
      },
    );
  }
  if (!isLoopbackHost(opts.host)) {
    io.progress({
      kind: "warn",
      message: `--host ${opts.host}: the agent will answer other machines on the network. It serves root shells into the lab; anyone with the token has them. Keep the default (127.0.0.1) unless you know why not.`,
    });
  }
  let docker: Docker;
  if (opts.noLab) {
    // Never connected: lab routes answer "lab unreachable"; the mentor page needs none of them.
    docker = new Docker({ socketPath: "/nonexistent/drydock-no-lab.sock" });
    io.stdout.write("No lab (--no-lab): the course site, progress and the mentor page only.\n");
  } else {
    const engine = await ensureEngine({ yes: opts.yes, progress: io.progress });
    docker = engine.docker;
    const status = await labUp({ docker, lab: opts.lab, home, progress: io.progress }, opts.up);
    io.stdout.write(io.formatStatus(status));
  }
  const site = await ensureSiteBuilt(repoRoot, io.progress);

  const token = newAccessToken();
  const log = agentLogger(home, { verbose: opts.verbose });
  const server = await startAgentServer({
    host: opts.host,
    port: opts.port,
    token,
    docker,
    lab: opts.lab,
    noLab: opts.noLab === true,
    home,
    version: opts.version,
    log,
    graceMs: opts.graceSeconds * 1000,
    ...(site.dir ? { siteDir: site.dir } : {}),
    ...(site.problem ? { siteProblem: site.problem } : {}),
  });
  writeAccessToken(home, token);
  // In the fragment: a browser never sends it to any server; the page moves it to localStorage.
  const url = `${server.origin}/#token=${token}`;
  io.stdout.write(
    `\nDrydock is running: ${url}\n` +
      `(the token in that URL is new on every start; it is also in ${tokenPath(home)}, readable only by you)\n` +
      `Logs: ${home}/logs/agent.log. Press Ctrl-C to stop; the lab keeps running for next time.\n`,
  );
  if (site.problem) io.progress({ kind: "warn", message: `Course site: ${site.problem}.` });
  if (opts.open && !(await openBrowser(home, url))) {
    io.progress({
      kind: "info",
      message: "No browser opener (xdg-open) found: open the URL above yourself.",
    });
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  io.stderr.write(`\n${signal}: stopping Drydock (closing terminals; the lab stays up)…\n`);
  await server.close();
  rmSync(tokenPath(home), { force: true });
  rmSync(`${home}/open.html`, { force: true });
  log.info({ signal }, "agent stopped");
  log.flush();
  // Anything the engine client keeps open must not hold the process after a clean stop.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
}
