import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

export const siteDir = fileURLToPath(new URL("../..", import.meta.url));
export const repoRoot = join(siteDir, "..");
export const docsDir = join(siteDir, "src", "content", "docs");

/** Every content page: its path relative to the docs folder, its slug, and its raw frontmatter. */
export function contentPages(dir = docsDir): { file: string; slug: string; frontmatter: unknown }[] {
  const out: { file: string; slug: string; frontmatter: unknown }[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.mdx?$/.test(name)) {
        const rel = relative(dir, path).split("\\").join("/");
        out.push({
          file: path,
          slug: rel.replace(/\.mdx?$/, "").replace(/(^|\/)index$/, ""),
          frontmatter: frontmatterOf(path),
        });
      }
    }
  };
  walk(dir);
  return out;
}

export function frontmatterOf(file: string): unknown {
  const text = readFileSync(file, "utf8");
  const match = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  return match ? yaml.load(match[1] as string) : {};
}
