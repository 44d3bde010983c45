import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { withFileLock } from "../common/file-lock.ts";
import { drydockHome } from "../common/paths.ts";
import { type Progress, step } from "../common/progress.ts";
import { ensureRootfs, ROOTFS_REF } from "./base-rootfs.ts";
import { buildImage } from "./build-image.ts";
import { definitionHash } from "./content-hash.ts";
import {
  baseImage,
  IMAGE_LABEL,
  type ImageDefinition,
  type LibraryImageDefinition,
  libraryImages,
  nodeImage,
  reference,
  registryImage,
} from "./image-definitions.ts";
import { ensureSeededRegistry, type SeededRegistryImage } from "./seeded-registry.ts";

export interface BuiltImage {
  ref: string;
  hash: string;
  id: string;
}

/** The library images by name (`library/postgres`, ...). */
export type LibraryImages = Record<LibraryImageDefinition["name"], BuiltImage>;

/** Every image a lab needs, in build order; each value has a `ref` and a `hash`. */
export type LabImages = {
  base: BuiltImage;
  node: BuiltImage;
  registry: BuiltImage;
} & LibraryImages & {
    seededRegistry: SeededRegistryImage;
  };

export interface EnsureImagesOptions {
  progress: Progress;
  offline?: boolean;
  /** Rebuild everything, including the Debian root filesystem. */
  force?: boolean;
}

/**
 * Makes sure the lab images exist and match their definitions under docker/.
 * An image is rebuilt exactly when its definition hash (files + parent) changed.
 */
export async function ensureImages(docker: Docker, opts: EnsureImagesOptions): Promise<LabImages> {
  const workDir = join(drydockHome(), "build");
  mkdirSync(workDir, { recursive: true });
  // One builder at a time per engine and user: a second `drydock` waits, then finds the images built.
  return withFileLock(
    join(tmpdir(), `drydock-images-${process.getuid?.() ?? "user"}`),
    {
      onWait: () =>
        opts.progress({
          kind: "info",
          message: "Another Drydock is building the lab images; waiting for it…",
        }),
    },
    () => buildAll(docker, workDir, opts),
  );
}

async function buildAll(docker: Docker, workDir: string, opts: EnsureImagesOptions): Promise<LabImages> {
  const rootfsId = await ensureRootfs(docker, {
    progress: opts.progress,
    workDir,
    ...(opts.offline !== undefined ? { offline: opts.offline } : {}),
    ...(opts.force !== undefined ? { force: opts.force } : {}),
  });
  const base = await ensureImage(docker, baseImage, rootfsId, opts, ROOTFS_REF);
  const node = await ensureImage(docker, nodeImage, base.hash, opts, base.ref);
  const registry = await ensureImage(docker, registryImage, base.hash, opts, base.ref);
  const library = await ensureLibraryImages(docker, base, opts);
  const seededRegistry = await ensureSeededRegistry(docker, {
    registryRef: registry.ref,
    registryHash: registry.hash,
    progress: opts.progress,
  });
  return { base, node, registry, ...library, seededRegistry };
}

/**
 * The Docker Hub library images (node, postgres, ...), built from Debian packages. They
 * depend on the base image only, so a change to the lab node or registry leaves them alone.
 */
export async function ensureLibraryImages(
  docker: Docker,
  base: BuiltImage,
  opts: EnsureImagesOptions,
  defs: readonly LibraryImageDefinition[] = libraryImages,
): Promise<LibraryImages> {
  const built: Partial<LibraryImages> = {};
  // One at a time: on two cores parallel apt runs gain little and interleave their progress.
  for (const def of defs) built[def.name] = await ensureImage(docker, def, base.hash, opts, base.ref);
  return built as LibraryImages;
}

async function ensureImage(
  docker: Docker,
  def: ImageDefinition,
  parentIdentity: string,
  opts: EnsureImagesOptions,
  parentRef = parentIdentity,
): Promise<BuiltImage> {
  const hash = definitionHash(def.contextDir, { parent: parentIdentity, name: def.name });
  const ref = reference(def);
  const current = await docker
    .getImage(ref)
    .inspect()
    .catch(() => undefined);
  if (!opts.force && current?.Config.Labels?.[IMAGE_LABEL.definitionHash] === hash) {
    return { ref, hash, id: current.Id };
  }
  const why = current ? "its definition changed" : "not built yet";
  await step(opts.progress, `image-${def.name}`, `Building ${ref} (${opts.force ? "forced" : why})`, () =>
    buildImage(docker, { def, hash, parent: parentRef }, opts.progress),
  );
  const built = await docker.getImage(ref).inspect();
  return { ref, hash, id: built.Id };
}
