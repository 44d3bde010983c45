import { posix } from "node:path";
import type { CheckContext } from "../check-definition.ts";
import { firstFileUnder, pathExists, readFileFrom, withStoppedContainer } from "../engine-reads.ts";
import { resolveUser } from "../parsers/user-resolution.ts";
import type { ImageRecord } from "./collect-image.ts";

export interface LeanFacts {
  workdir: string;
  /** The runtime artifact, from ENTRYPOINT/CMD when they name a script, else the parameter. */
  artifact: { path: string; how: string };
  /** The app's package.json in the image, and its devDependencies. */
  manifest: { path: string; devDependencies: string[] } | null;
  present: Record<string, boolean>;
  caches: Record<string, { exists: boolean; match?: string }>;
}

const abs = (workdir: string, x: string) => (x.startsWith("/") ? x : posix.join(workdir, x));

/** `node dist/main.js`, `["node","--enable-source-maps","/app/server.mjs"]`: the script the image runs. */
export function artifactFromCommand(image: ImageRecord, fallback: string): { path: string; how: string } {
  const cfg = image.inspect?.Config;
  const workdir = cfg?.WorkingDir || "/";
  const words = [...(cfg?.Entrypoint ?? []), ...(cfg?.Cmd ?? [])].join(" ").split(/\s+/);
  const script = words.find((w) => /^[^-$][^\s]*\.(c|m)?js$/.test(w));
  if (script) return { path: abs(workdir, script), how: `named by ENTRYPOINT/CMD (${script})` };
  return { path: abs(workdir, fallback), how: `the parameter artifact (ENTRYPOINT/CMD name no .js file)` };
}

export function collectLeanFacts(
  ctx: CheckContext,
  image: ImageRecord,
  p: { artifact: string; forbidden: string[]; caches: string[] },
): Promise<LeanFacts> {
  return ctx.memo(`lean:${image.ref}:${JSON.stringify(p)}`, async () => {
    const docker = await ctx.lab.engine("laptop");
    const workdir = image.inspect?.Config.WorkingDir || "/";
    const artifact = artifactFromCommand(image, p.artifact);
    return withStoppedContainer(docker, image.ref, "image-lean", async (c) => {
      const roots = [
        ...new Set([workdir, posix.dirname(artifact.path), posix.dirname(posix.dirname(artifact.path))]),
      ];
      let manifest: LeanFacts["manifest"] = null;
      for (const root of roots) {
        const text = await readFileFrom(c, posix.join(root, "package.json"));
        if (text === null) continue;
        try {
          const pkg = JSON.parse(text) as { devDependencies?: Record<string, string> };
          manifest = {
            path: posix.join(root, "package.json"),
            devDependencies: Object.keys(pkg.devDependencies ?? {}),
          };
        } catch {
          manifest = { path: posix.join(root, "package.json"), devDependencies: [] };
        }
        break;
      }
      const appRoot = manifest ? posix.dirname(manifest.path) : workdir;
      const passwd = await readFileFrom(c, "/etc/passwd");
      const user = resolveUser(image.inspect?.Config.User ?? "", passwd, null);
      const home = passwd
        ?.split("\n")
        .map((l) => l.split(":"))
        .find((f) => f[2] === String(user.uid))?.[5];
      const paths = [
        artifact.path,
        ...p.forbidden.map((x) => abs(appRoot, x)),
        ...(manifest?.devDependencies ?? []).map((d) => posix.join(appRoot, "node_modules", d)),
      ];
      const cacheDirs = [
        ...p.caches,
        ...(home && home !== "/"
          ? [
              posix.join(home, ".npm/_cacache"),
              posix.join(home, ".cache/yarn"),
              posix.join(home, ".local/share/pnpm/store"),
            ]
          : []),
        posix.join(appRoot, ".npm/_cacache"),
      ];
      const present: Record<string, boolean> = {};
      const caches: LeanFacts["caches"] = {};
      await Promise.all([
        ...[...new Set(paths)].map(async (x) => {
          present[x] = await pathExists(c, x);
        }),
        ...[...new Set(cacheDirs)].map(async (d) => {
          const r = await firstFileUnder(c, d, (name) => !/(^|\/)(lock|partial\/?)$/.test(name));
          caches[d] = { exists: r.exists, ...(r.match ? { match: r.match } : {}) };
        }),
      ]);
      return { workdir, artifact, manifest, present, caches };
    });
  });
}
