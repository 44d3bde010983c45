import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type Docker from "dockerode";
import { z } from "zod";
import { containerName } from "../../../lab/lab-names.ts";
import type { CheckContext } from "../../check-definition.ts";
import { execArgv, sleep } from "../../engine-reads.ts";
import { scratchLabels } from "../../probes/scratch-labels.ts";
import { HarnessParams, inAppDir, inWorkspace, readScript, type ScriptFile } from "./shared.ts";

export const PROJECT_LABEL = "com.docker.compose.project";

/**
 * The deliberately broken app: the image under test with `ENV MIGRATIONS_DIR=/`, a release whose
 * migrations went missing. migrate finds nothing to apply and exits 0, the api and worker start
 * healthy (their /health touches no table), and the tests fail at the first report (500: no
 * table). So the script must fail on the tests' result, not on a startup error.
 */
export const BROKEN_CHANGE = "ENV MIGRATIONS_DIR=/";

export const RunParams = HarnessParams.extend({
  image: z.string().min(1).default("registry:5000/reg-case-platform:dev"),
  /** One run's limit; a run still going then is killed (a hung `compose events`, say). Generous:
   *  on a loaded 2-core host a healthy run took over 180 s. */
  timeoutSeconds: z.number().int().min(20).max(600).default(300),
}).strict();
export type RunParams = z.infer<typeof RunParams>;

export interface ScriptRun {
  buildId: string;
  image: string;
  code: number;
  timedOut: boolean;
  seconds: number;
  /** The test-integration summary line, when the tests ran. */
  summary?: string;
  /** Compose said "Aborting on container exit" (`up --abort-on-container-exit` / `--exit-code-from`). */
  aborted: boolean;
  tail: string;
}

export interface LeftOver {
  kind: "container" | "network" | "volume";
  name: string;
  project: string;
}

export interface Diagnostics {
  files: string[];
  ps: boolean;
  logs: boolean;
  events: boolean;
}

export interface RunProbe {
  script: ScriptFile;
  imageMissing?: boolean;
  good?: ScriptRun;
  broken?: ScriptRun;
  /** Compose projects seen while the runs went on (new ones only). */
  projects: string[];
  leftovers: LeftOver[];
  diagnostics?: Diagnostics;
  error?: string;
}

const SUMMARY = /^.*test-integration: (?:PASS|FAIL) \d+ passed, \d+ failed.*$/m;

async function composeObjects(docker: Docker): Promise<LeftOver[]> {
  const filters = JSON.stringify({ label: [PROJECT_LABEL] });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return [
    ...containers.map((c) => ({
      kind: "container" as const,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ""),
      project: c.Labels[PROJECT_LABEL] ?? "",
    })),
    ...networks.map((n) => ({
      kind: "network" as const,
      name: n.Name,
      project: n.Labels?.[PROJECT_LABEL] ?? "",
    })),
    ...(volumes.Volumes ?? []).map((v) => ({
      kind: "volume" as const,
      name: v.Name,
      project: v.Labels?.[PROJECT_LABEL] ?? "",
    })),
  ];
}

const key = (o: LeftOver) => `${o.kind}:${o.name}`;

/** Files under the app folder whose path names the run's BUILD_ID (diagnostics/<id>/…, logs-<id>.txt). */
export function findDiagnostics(root: string, buildId: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 4 || found.length > 50) return;
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const e of entries) {
      if (e === "node_modules" || e === ".git" || e === ".drydock" || e === ".npm-cache") continue;
      const full = join(dir, e);
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(full, depth + 1);
      else if (relative(root, full).includes(buildId)) found.push(full);
    }
  };
  walk(root, 0);
  return found;
}

export function diagnosticsIn(texts: string[]): Omit<Diagnostics, "files"> {
  const all = texts.join("\n");
  return {
    // A container's row, not just the header `ps` prints for a project already taken down.
    ps: /\b(Up \d+|Up About|Exited \(\d+\))|"State"\s*:\s*"(running|exited)"/.test(all),
    logs: /"service"\s*:\s*"reg-case-platform"|\|\s*\{"level"/.test(all),
    events: /"(Action|action)"\s*:\s*"|\bcontainer (create|start|die|destroy|health_status)\b/.test(all),
  };
}

async function runScript(
  laptop: Docker.Container,
  dir: string,
  script: string,
  run: { buildId: string; image: string },
  timeout: number,
): Promise<ScriptRun> {
  const t0 = performance.now();
  const out = await execArgv(
    laptop,
    inAppDir(dir, run, ["timeout", "-k", "10", String(timeout), `./${script}`]),
    (timeout + 30) * 1000,
  ).catch((e: Error) => ({ code: -1, stdout: "", stderr: e.message }));
  const text = `${out.stdout}\n${out.stderr}`;
  return {
    ...run,
    code: out.code,
    timedOut: out.code === 124 || out.code === 137,
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    summary:
      SUMMARY.exec(out.stdout)?.[0]
        ?.replace(/^.*?(test-integration:)/, "$1")
        .trim() ??
      SUMMARY.exec(text)?.[0]
        ?.replace(/^.*?(test-integration:)/, "$1")
        .trim(),
    aborted: /Aborting on container exit/i.test(text),
    tail: text.trim().split("\n").slice(-12).join("\n"),
  };
}

/**
 * Runs the learner's script twice at once on laptop, as two CI jobs would: once on the image under
 * test, once on a deliberately broken copy of it; watches which Compose projects appear; then
 * lists what either left behind and the broken run's diagnostics. Everything it caused is
 * removed afterwards (the broken image, leftovers of these runs, their diagnostics files).
 */
export function collectRunProbe(ctx: CheckContext, p: RunParams): Promise<RunProbe> {
  return ctx.memo(`harness-run:${p.app}:${p.script}:${p.image}`, async () => {
    const script = readScript(ctx.lab.workspace, p);
    const dir = inWorkspace(p.app);
    if (!script.text || !dir) return { script, projects: [], leftovers: [] };
    if (!script.executable) return { script, projects: [], leftovers: [] };
    const docker = await ctx.lab.engine("laptop");
    const image = await docker
      .getImage(p.image)
      .inspect()
      .catch(() => undefined);
    if (!image) return { script, imageMissing: true, projects: [], leftovers: [] };
    const laptop = ctx.lab.host.getContainer(containerName(ctx.lab.lab, "laptop"));
    const id = randomBytes(3).toString("hex");
    const good = { buildId: `drydock-${id}-a`, image: p.image };
    const broken = { buildId: `drydock-${id}-b`, image: `drydock-check/broken-app:${id}` };
    const before = new Set((await composeObjects(docker)).map(key));
    const seed = await docker.createContainer({
      Image: image.Id,
      Labels: scratchLabels(ctx.lab.lab, "harness.run"),
      Cmd: ["true"],
    });
    const projects = new Set<string>();
    const appRoot = join(ctx.lab.workspace, dir);
    try {
      await seed.commit({ repo: "drydock-check/broken-app", tag: id, changes: BROKEN_CHANGE });
      await seed.remove({ force: true });
      let done = false;
      const watch = (async () => {
        while (!done) {
          for (const o of await composeObjects(docker).catch(() => []))
            if (!before.has(key(o)) && o.project) projects.add(o.project);
          await sleep(1000);
        }
      })();
      const [goodRun, brokenRun] = await Promise.all([
        runScript(laptop, dir, p.script, good, p.timeoutSeconds),
        runScript(laptop, dir, p.script, broken, p.timeoutSeconds),
      ]).finally(() => {
        done = true;
      });
      await watch;
      const after = await composeObjects(docker);
      const leftovers = after.filter((o) => !before.has(key(o)));
      const files = findDiagnostics(appRoot, broken.buildId);
      const texts = files.map((f) => {
        try {
          return readFileSync(f, "utf8").slice(0, 400_000);
        } catch {
          return "";
        }
      });
      const diagnostics = { files: files.map((f) => relative(appRoot, f)), ...diagnosticsIn(texts) };
      await removeLeftovers(docker, leftovers);
      for (const f of [...files, ...findDiagnostics(appRoot, good.buildId)]) rmSync(f, { force: true });
      for (const b of [broken.buildId, good.buildId])
        rmSync(join(appRoot, "diagnostics", b), { recursive: true, force: true });
      return {
        script,
        good: goodRun,
        broken: brokenRun,
        projects: [...projects].sort(),
        leftovers,
        diagnostics,
      };
    } finally {
      await seed.remove({ force: true }).catch(() => {});
      await docker
        .getImage(broken.image)
        .remove({ force: true })
        .catch(() => {});
    }
  });
}

async function removeLeftovers(docker: Docker, leftovers: LeftOver[]): Promise<void> {
  for (const o of leftovers.filter((x) => x.kind === "container"))
    await docker
      .getContainer(o.name)
      .remove({ force: true, v: true })
      .catch(() => {});
  for (const o of leftovers.filter((x) => x.kind === "network"))
    await docker
      .getNetwork(o.name)
      .remove()
      .catch(() => {});
  for (const o of leftovers.filter((x) => x.kind === "volume"))
    await docker
      .getVolume(o.name)
      .remove({ force: true })
      .catch(() => {});
}
