import type Docker from "dockerode";
import { extract } from "tar-stream";
import type { CheckContext } from "../check-definition.ts";
import { readFileFrom, withStoppedContainer } from "../engine-reads.ts";
import { CREDENTIAL_FILES } from "../parsers/secret-scan.ts";

export interface CredentialFiles {
  /** Folders read, and whether each exists. */
  scanned: Array<{ dir: string; exists: boolean; files: number }>;
  /** Files whose name marks them as credentials, with their text (first 64 KiB). */
  found: Array<{ path: string; content: string }>;
}

const MAX = 64 * 1024;

/** Credential-named files under `dir` of a created container, skipping node_modules (test keys ship there). */
async function scanDir(
  c: Docker.Container,
  dir: string,
): Promise<{ exists: boolean; files: number; found: CredentialFiles["found"] }> {
  const stream = await c.getArchive({ path: dir }).catch((err: { statusCode?: number }) => {
    if (err.statusCode === 404) return null;
    throw err;
  });
  if (!stream) return { exists: false, files: 0, found: [] };
  const parent = dir.replace(/\/[^/]*\/?$/, "");
  const found: CredentialFiles["found"] = [];
  let files = 0;
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on("entry", (header, body, next) => {
      const path = `${parent}/${header.name}`.replace(/\/+/g, "/");
      const want = header.type === "file" && !/\/node_modules\//.test(path) && CREDENTIAL_FILES.test(path);
      if (header.type === "file") files++;
      const chunks: Buffer[] = [];
      let size = 0;
      body.on("data", (data: unknown) => {
        const b = data as Buffer;
        if (want && size < MAX) {
          chunks.push(b);
          size += b.length;
        }
      });
      body.on("end", () => {
        if (want) found.push({ path, content: Buffer.concat(chunks).subarray(0, MAX).toString("utf8") });
        next();
      });
      body.resume();
    });
    ex.on("finish", resolve);
    ex.on("error", reject);
    stream.on("error", reject);
    stream.pipe(ex);
  });
  return { exists: true, files, found };
}

/** Reads the app's folder and the home folders of the image, as the merged filesystem shows them. */
/** Files at the top of the filesystem, read one by one when the app lives in / (archiving / would read everything). */
export const TOP_LEVEL_CANDIDATES = [
  "/.env",
  "/.npmrc",
  "/id_rsa",
  "/id_ed25519",
  "/credentials.json",
  "/.git-credentials",
];

export function collectCredentialFiles(
  ctx: CheckContext,
  ref: string,
  dirs: readonly string[],
  singles: readonly string[] = [],
): Promise<CredentialFiles> {
  return ctx.memo(`credentials:${ref}:${dirs.join(",")}:${singles.join(",")}`, async () => {
    const docker = await ctx.lab.engine("laptop");
    return withStoppedContainer(docker, ref, "image-credentials", async (c) => {
      const scanned: CredentialFiles["scanned"] = [];
      const found: CredentialFiles["found"] = [];
      for (const dir of [...new Set(dirs)]) {
        const r = await scanDir(c, dir);
        scanned.push({ dir, exists: r.exists, files: r.files });
        found.push(...r.found);
      }
      for (const path of singles) {
        const content = await readFileFrom(c, path);
        if (content !== null) found.push({ path, content: content.slice(0, MAX) });
      }
      return { scanned, found };
    });
  });
}
