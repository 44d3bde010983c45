import { readFile } from "node:fs/promises";
import { join, normalize } from "node:path";
import { z } from "zod";
import { defineCheck } from "../../check-definition.ts";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { collectImage, type ImageRecord } from "../../collectors/collect-image.ts";
import {
  type CredentialFiles,
  collectCredentialFiles,
  TOP_LEVEL_CANDIDATES,
} from "../../collectors/image-credentials.ts";
import {
  CREDENTIAL_FILES,
  mask,
  type SecretFinding,
  scanEnv,
  scanFile,
  scanHistory,
  secretInValue,
} from "../../parsers/secret-scan.ts";
import { HISTORY_SOURCE, IMAGE_SOURCE, ImageParam, noImage } from "./shared.ts";

/** Credentials on the command line: `--password=…`, a URL with a password. */
export function scanCommand(words: readonly string[], where: string): SecretFinding[] {
  const text = words.join(" ");
  const found: SecretFinding[] = [];
  const inline = secretInValue(text);
  if (inline) found.push({ where, key: inline, masked: mask(text) });
  for (const m of text.matchAll(
    /--(password|passwd|pass|token|secret|api-?key|auth-token)(?:=|\s+)([^\s$][^\s]*)/gi,
  )) {
    found.push({ where, key: `--${m[1]}`, masked: mask(m[2] ?? "") });
  }
  return found;
}

/**
 * Credential files a COPY/ADD put into a layer, as BuildKit's history names them: a later
 * `RUN rm` hides them from the merged filesystem, not from the layer. Judged by the build
 * context's copy when there is one (an .npmrc that reads ${NPM_TOKEN} is fine).
 */
export function scanCopiedFiles(
  history: readonly string[],
  context: Record<string, string | null>,
): SecretFinding[] {
  const found: SecretFinding[] = [];
  history.forEach((line, i) => {
    const m = /^(?:COPY|ADD)\s+(.*?)\s*(?:# buildkit)?$/.exec(line.trim());
    if (!m) return;
    const words = (m[1] ?? "").split(/\s+/).filter((w) => !w.startsWith("--"));
    for (const src of words.slice(0, -1)) {
      const name = src.replace(/^\.\//, "");
      if (!CREDENTIAL_FILES.test(name) || /\.(example|sample|template|dist)$/.test(name)) continue;
      const content = context[name];
      if (typeof content === "string")
        found.push(...scanFile(name, content).map((f) => ({ ...f, where: `history[${i}] (COPY ${name})` })));
      else if (!/(^|\/)(\.env[^/]*|\.npmrc)$/.test(name))
        found.push({ where: `history[${i}]`, key: `COPY ${name}`, masked: "a credential file in a layer" });
    }
  });
  return found;
}

export function evaluateNoSecrets(
  image: ImageRecord,
  files: CredentialFiles | undefined,
  context: Record<string, string | null> = {},
): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const env = image.inspect.Config.Env ?? [];
  const history = (image.history ?? []).map((h) => h.CreatedBy);
  const labels = Object.entries(image.inspect.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const fileFindings = (files?.found ?? []).flatMap((f) => scanFile(f.path, f.content));
  const findings = [
    ...scanEnv(env, "Config.Env"),
    ...scanEnv(labels, "Config.Labels").filter((f) => !f.key.startsWith("org.opencontainers.")),
    ...scanHistory(history),
    ...scanCommand(
      [...(image.inspect.Config.Entrypoint ?? []), ...(image.inspect.Config.Cmd ?? [])],
      "Config.Entrypoint/Cmd",
    ),
    // What the merged filesystem still shows first; then what only a lower layer keeps.
    ...fileFindings,
    ...scanCopiedFiles(history, context),
  ];
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const k = `${f.key}|${f.masked}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const evidence: Evidence[] = [
    {
      source: IMAGE_SOURCE,
      field: "Config.Env keys",
      observed: env.map((e) => e.split("=")[0]),
      expected: "no secret-looking value",
    },
    {
      source: HISTORY_SOURCE,
      field: "CreatedBy (ARG, ENV, RUN |N …, RUN commands)",
      observed: `${history.length} entries scanned`,
      expected: "no secret-looking value",
    },
    {
      source: `${image.ref}: GET /containers/{scratch}/archive`,
      field: "credential files",
      observed: files
        ? [
            ...files.scanned.map((s) => `${s.dir}: ${s.exists ? `${s.files} files` : "absent"}`),
            ...files.found.map((f) => `found ${f.path}`),
          ]
        : "not read",
      expected: "no .env, private key, .npmrc token or credentials file",
    },
    ...unique.map((f) => ({
      source: f.where,
      field: f.key,
      observed: f.masked,
      expected: "no value baked into the image",
    })),
  ];
  if (unique.length > 0) {
    return fail(
      `Secrets are baked into the image: ${unique.map((f) => `${f.key} (${f.where})`).join(", ")}.`,
      evidence,
    );
  }
  return pass(
    `${env.length} ENV entries, ${history.length} history entries and ${files?.scanned.filter((s) => s.exists).length ?? 0} folders hold no secret.`,
    evidence,
  );
}

const Params = z
  .object({
    image: ImageParam,
    /** Folders searched for credential files, besides the image's WORKDIR. */
    dirs: z.array(z.string().startsWith("/")).default(["/root", "/home", "/run/secrets", "/tmp"]),
    /** The build context in the workspace, to judge credential files the history says were copied. */
    context: z.string().min(1).default("reg-case-platform"),
  })
  .strict();

export const noSecrets = defineCheck({
  id: "image.secrets.none",
  title: "No secrets in ENV, ARG, history or files",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p: z.infer<typeof Params>) => [p.image] },
  params: Params,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    if (!image.inspect) return { image, files: undefined, context: {} };
    const workdir = image.inspect.Config.WorkingDir || "/";
    const dirs = workdir === "/" ? p.dirs : [workdir, ...p.dirs];
    return {
      image,
      files: await collectCredentialFiles(ctx, p.image, dirs, workdir === "/" ? TOP_LEVEL_CANDIDATES : []),
      context: await contextFiles(ctx.lab.workspace, p.context, image),
    };
  },
  evaluate: (f) => evaluateNoSecrets(f.image, f.files, f.context),
});

/** The build context's copies of the credential files the history names (null: not there). */
async function contextFiles(
  workspace: string,
  dir: string,
  image: ImageRecord,
): Promise<Record<string, string | null>> {
  const safe = normalize(dir);
  if (safe.startsWith("..") || safe.startsWith("/")) return {};
  const names = new Set<string>();
  for (const h of image.history ?? []) {
    const m = /^(?:COPY|ADD)\s+(.*?)\s*(?:# buildkit)?$/.exec(h.CreatedBy.trim());
    for (const w of (m?.[1] ?? "").split(/\s+/).slice(0, -1)) {
      const name = w.replace(/^\.\//, "");
      if (!w.startsWith("--") && CREDENTIAL_FILES.test(name) && !name.includes("..")) names.add(name);
    }
  }
  const out: Record<string, string | null> = {};
  for (const name of names) out[name] = await readFile(join(workspace, safe, name), "utf8").catch(() => null);
  return out;
}
