import { existsSync, readFileSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { z } from "zod";
import { containerName } from "../../../lab/lab-names.ts";
import type { CheckContext } from "../../check-definition.ts";
import { execArgv } from "../../engine-reads.ts";

/** Where the learner's app lives in the workspace, and the harness files in it. */
export const HarnessParams = z
  .object({
    app: z.string().default("reg-case-platform"),
    script: z.string().default("scripts/integration-test.sh"),
    /** The Compose files when the script names none we can read (`-f "$file"` from elsewhere). */
    files: z.array(z.string()).default(["compose.test.yml"]),
    runner: z.string().default("test-runner"),
    api: z.string().default("case-api"),
  })
  .strict();
export type HarnessParams = z.infer<typeof HarnessParams>;

/** Relative to the workspace; undefined when it leaves it. */
export function inWorkspace(...parts: string[]): string | undefined {
  const safe = normalize(join(...parts));
  return safe.startsWith("..") || safe.startsWith("/") ? undefined : safe;
}

export interface ScriptFile {
  path: string;
  text?: string;
  executable?: boolean;
  error?: string;
}

export function readScript(workspace: string, p: Pick<HarnessParams, "app" | "script">): ScriptFile {
  const rel = inWorkspace(p.app, p.script);
  const path = `/workspace/${rel ?? p.script}`;
  if (!rel) return { path, error: "the path leaves the workspace" };
  const host = join(workspace, rel);
  if (!existsSync(host)) return { path, error: "no such file" };
  const st = statSync(host);
  return { path, text: readFileSync(host, "utf8"), executable: (st.mode & 0o111) !== 0 };
}

/** The script's lines without comments, with `\` continuations joined. */
export function scriptLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.replace(/(^|\s)#.*$/, "").trim())
    .filter(Boolean);
}

/** Simple `NAME=value` / `export NAME=value` assignments (the last wins), quotes removed. */
export function assignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of scriptLines(text)) {
    const m = /^(?:export\s+|readonly\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out.set(m[1], unquote(m[2].trim()));
  }
  return out;
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");

/** Words of a line, quotes removed (no expansion). */
export function words(line: string): string[] {
  return (line.match(/"[^"]*"|'[^']*'|[^\s"']+/g) ?? []).map((w) => unquote(w.replace(/^\(|\)$/g, "")));
}

/**
 * The Compose files the script runs, as written after `-f`/`--file` (or in COMPOSE_FILE), with
 * plain `$VAR` from the script's own assignments resolved; undefined when it names none readable.
 */
export function composeFiles(text: string): string[] | undefined {
  const vars = assignments(text);
  const resolve = (w: string) =>
    w.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (m, a, b) => vars.get(a ?? b) ?? m,
    );
  const files: string[] = [];
  for (const line of scriptLines(text)) {
    const ws = words(line);
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i] ?? "";
      const value = w === "-f" || w === "--file" ? ws[i + 1] : /^--file=(.+)$/.exec(w)?.[1];
      if (value && /\.ya?ml$/.test(resolve(value))) files.push(resolve(value));
    }
  }
  if (files.length === 0 && vars.has("COMPOSE_FILE"))
    files.push(...(vars.get("COMPOSE_FILE") ?? "").split(":"));
  const unique = [...new Set(files)];
  return unique.length > 0 && unique.every((f) => !f.includes("$")) ? unique : undefined;
}

/** What the laptop's Compose makes of the test stack (only the parts the checks read). */
export const ComposeModel = z.object({
  name: z.string().optional(),
  services: z
    .record(
      z.string(),
      z
        .object({
          image: z.string().optional(),
          command: z.union([z.array(z.string()), z.string()]).nullish(),
          ports: z
            .array(z.object({ published: z.union([z.string(), z.number()]).optional() }).passthrough())
            .optional(),
          depends_on: z
            .record(z.string(), z.object({ condition: z.string().optional() }).passthrough())
            .optional(),
          healthcheck: z
            .object({ disable: z.boolean().optional(), test: z.unknown().optional() })
            .passthrough()
            .optional(),
          restart: z.string().optional(),
          profiles: z.array(z.string()).optional(),
        })
        .passthrough(),
    )
    .default({}),
});
export type ComposeModel = z.infer<typeof ComposeModel>;

export interface ModelRead {
  files: string[];
  /** The files came from the script (else the exercise's defaults). */
  fromScript: boolean;
  model?: ComposeModel;
  error?: string;
}

/** Sentinels the model is read with: they show whether the file uses BUILD_ID and APP_IMAGE. */
export const MODEL_BUILD_ID = "drydock-model";
export const MODEL_IMAGE = "drydock-check/candidate:model";

export function parseModel(
  files: string[],
  fromScript: boolean,
  out: { code: number; stdout: string; stderr: string },
): ModelRead {
  const lastLines = (t: string) => t.trim().split("\n").slice(-2).join(" ").trim();
  if (out.code !== 0)
    return { files, fromScript, error: `docker compose config rejects it: ${lastLines(out.stderr)}` };
  try {
    return { files, fromScript, model: ComposeModel.parse(JSON.parse(out.stdout)) };
  } catch (e) {
    return {
      files,
      fromScript,
      error: `docker compose config printed no configuration it could read: ${lastLines(out.stderr) || String(e).slice(0, 200)}`,
    };
  }
}

/**
 * The argv (for an exec on laptop) that runs `cmd` in /workspace/<dir> with BUILD_ID and
 * APP_IMAGE set, as a CI job runs the learner's script.
 */
export function inAppDir(
  dir: string,
  run: { buildId: string; image: string },
  cmd: string[],
  workspace = "/workspace",
): string[] {
  return [
    "sh",
    "-c",
    'cd "$1" && shift && exec "$@"',
    "sh",
    `${workspace}/${dir}`,
    "env",
    `BUILD_ID=${run.buildId}`,
    `APP_IMAGE=${run.image}`,
    ...cmd,
  ];
}

/** `docker compose -f … config --format json` on laptop, in the app folder, as the script runs it. */
export function collectModel(ctx: CheckContext, p: HarnessParams, script: ScriptFile): Promise<ModelRead> {
  return ctx.memo(`harness-model:${p.app}:${p.script}`, async () => {
    const named = script.text ? composeFiles(script.text) : undefined;
    const files = named ?? p.files;
    const dir = inWorkspace(p.app);
    if (!dir) return { files, fromScript: false, error: "the app folder leaves the workspace" };
    const missing = files.filter((f) => !existsSync(join(ctx.lab.workspace, dir, f)));
    if (missing.length > 0)
      return { files, fromScript: !!named, error: `no such file: ${missing.join(", ")}` };
    const laptop = ctx.lab.host.getContainer(containerName(ctx.lab.lab, "laptop"));
    const out = await execArgv(
      laptop,
      inAppDir(dir, { buildId: MODEL_BUILD_ID, image: MODEL_IMAGE }, [
        "docker",
        "compose",
        ...files.flatMap((f) => ["--file", f]),
        "config",
        "--format",
        "json",
      ]),
      20_000,
    );
    return parseModel(files, !!named, out);
  });
}

export const commandOf = (c: string[] | string | null | undefined) =>
  Array.isArray(c) ? c.join(" ") : (c ?? "");

/** What harness.compose.stack and harness.script.safe read: the script, and the stack it runs as Compose models it. */
export interface ScriptAndModel {
  script: ScriptFile;
  read: ModelRead;
}

export async function collectScriptAndModel(ctx: CheckContext, p: HarnessParams): Promise<ScriptAndModel> {
  const script = readScript(ctx.lab.workspace, p);
  return { script, read: await collectModel(ctx, p, script) };
}

/** The workspace files those two checks are re-run on: the script and the Compose files. */
export const scriptAndModelFiles = (p: HarnessParams): string[] => [
  `${p.app}/${p.script}`,
  ...p.files.map((f) => `${p.app}/${f}`),
];
