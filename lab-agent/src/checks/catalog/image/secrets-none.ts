import { z } from "zod";
import { type CheckOutcome, type Evidence, fail, pass } from "../../check-result.ts";
import { collectImage, type ImageRecord } from "../../collect-image.ts";
import { type CredentialFiles, collectCredentialFiles } from "../../collectors/image-credentials.ts";
import { scanEnv, scanFile, scanHistory } from "../../secret-scan.ts";
import { defineImageCheck } from "./define.ts";
import { HISTORY_SOURCE, IMAGE_SOURCE, ImageParam, noImage } from "./shared.ts";

export function evaluateNoSecrets(image: ImageRecord, files: CredentialFiles | undefined): CheckOutcome {
  if (!image.inspect) return noImage(image);
  const env = image.inspect.Config.Env ?? [];
  const history = (image.history ?? []).map((h) => h.CreatedBy);
  const labels = Object.entries(image.inspect.Config.Labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const fileFindings = (files?.found ?? []).flatMap((f) => scanFile(f.path, f.content));
  const findings = [
    ...scanEnv(env, "Config.Env"),
    ...scanEnv(labels, "Config.Labels").filter((f) => !f.key.startsWith("org.opencontainers.")),
    ...scanHistory(history),
    ...fileFindings,
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
  })
  .strict();

export const noSecrets = defineImageCheck({
  id: "image.secrets.none",
  title: "No secrets in ENV, ARG, history or files",
  kind: "snapshot",
  watches: { objects: ["image"], images: (p: z.infer<typeof Params>) => [p.image] },
  params: Params,
  async collect(ctx, p) {
    const image = await collectImage(ctx, p.image);
    if (!image.inspect) return { image, files: undefined };
    const workdir = image.inspect.Config.WorkingDir || "/";
    const dirs = workdir === "/" ? p.dirs : [workdir, ...p.dirs];
    return { image, files: await collectCredentialFiles(ctx, p.image, dirs) };
  },
  evaluate: (f) => evaluateNoSecrets(f.image, f.files),
});
