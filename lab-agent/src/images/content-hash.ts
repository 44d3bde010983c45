import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * A hash of everything an image is made from: the files of its build context
 * (paths and bytes, in a stable order) and its inputs (parent hash, parameters).
 * Equal hashes mean a rebuild would produce the same definition, so it is skipped.
 */
export function definitionHash(contextDir: string, inputs: Record<string, string>): string {
  const hash = createHash("sha256");
  for (const [key, value] of Object.entries(inputs).sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`input:${key}=${value}\0`);
  }
  for (const file of listFiles(contextDir)) {
    hash.update(`file:${relative(contextDir, file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}
