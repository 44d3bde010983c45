import { join } from "node:path";
import { z } from "zod";
import { dockerDefinitionsDir } from "../common/paths.ts";

/** Labels on every image Drydock builds; the hash says which definition an image came from. */
export const IMAGE_LABEL = {
  definitionHash: "io.drydock.definition-hash",
  image: "io.drydock.image",
} as const;

/**
 * Docker Hub images Drydock builds from Debian packages and seeds into every lab registry: the
 * official library images the capstone names, and prom/prometheus (hour 19's observability profile).
 */
export const LibraryName = z.enum(["node", "postgres", "redis", "nginx", "busybox", "prometheus"]);
export type LibraryName = z.infer<typeof LibraryName>;

/** The lab's own images, then the library images by their Docker Hub repository. */
export type ImageName = "base" | "node" | "registry" | `library/${LibraryName}`;

export interface ImageDefinition {
  /** Short name used in progress and errors. */
  name: ImageName;
  /** The tag Drydock uses; a second tag carries the short definition hash. */
  repository: string;
  tag: string;
  /** Folder under docker/ that is the build context. */
  contextDir: string;
  /** Build argument that receives the parent image reference. */
  parentArg: string;
  title: string;
  description: string;
  /** Upstream version it provides (the org.opencontainers.image.version label), when it has one. */
  version?: string;
}

export const ROOTFS_REPOSITORY = "drydock/debian-rootfs";
export const ROOTFS_TAG = "trixie";
/** What the offline rootfs is made from; part of the base image's hash. */
export const DEBOOTSTRAP = { suite: "trixie", variant: "minbase" } as const;

export const baseImage: ImageDefinition = {
  name: "base",
  repository: "drydock/debian",
  tag: "trixie",
  contextDir: join(dockerDefinitionsDir, "base"),
  parentArg: "ROOTFS",
  title: "Drydock Debian trixie base",
  description: "Debian trixie, slimmed; the parent of every Drydock lab image.",
};

export const nodeImage: ImageDefinition = {
  name: "node",
  repository: "drydock/lab-node",
  tag: "latest",
  contextDir: join(dockerDefinitionsDir, "node"),
  parentArg: "BASE_IMAGE",
  title: "Drydock lab node",
  description: "A Docker 26 engine (Compose v2, buildx, overlay2 storage) for docker-in-docker lab nodes.",
};

export const registryImage: ImageDefinition = {
  name: "registry",
  repository: "drydock/lab-registry",
  tag: "latest",
  contextDir: join(dockerDefinitionsDir, "registry"),
  parentArg: "BASE_IMAGE",
  title: "Drydock lab registry",
  description:
    "The distribution registry (Debian's docker-registry) serving a lab's images and Docker Hub mirror.",
};

/**
 * A library image: built FROM the base (busybox only borrows the base for a build stage),
 * tagged locally as drydock/library-<name>:<first tag>, seeded as <hubRepository>:<each tag>.
 */
export interface LibraryImageDefinition extends ImageDefinition {
  name: `library/${LibraryName}`;
  /** Its Docker Hub repository: library/<name> for an official image, else e.g. prom/prometheus. */
  hubRepository: string;
  /** Tags in the lab registry; the first is what the capstone uses, the rest are cheap aliases. */
  hubTags: readonly [string, ...string[]];
}

function libraryImage(
  name: LibraryName,
  hubTags: readonly [string, ...string[]],
  version: string,
  description: string,
  hubRepository = `library/${name}`,
): LibraryImageDefinition {
  return {
    name: `library/${name}`,
    hubRepository,
    repository: `drydock/library-${name}`,
    tag: hubTags[0],
    contextDir: join(dockerDefinitionsDir, "library", name),
    parentArg: "BASE_IMAGE",
    title: `${hubRepository.replace(/^library\//, "")}:${hubTags[0]} (Drydock, from Debian packages)`,
    description,
    version,
    hubTags,
  };
}

// Aliases only where they tell the truth: Debian trixie's packages are exactly these versions.
export const libraryImages: readonly LibraryImageDefinition[] = [
  libraryImage(
    "node",
    ["20-slim", "20-trixie-slim"],
    "20",
    "Node.js 20 and npm from Debian trixie, as node:20-slim: a node user (1000:1000), CMD node.",
  ),
  libraryImage(
    "postgres",
    ["17", "17-trixie"],
    "17",
    "PostgreSQL 17 from Debian trixie, with the official postgres image's entrypoint contract.",
  ),
  libraryImage(
    "redis",
    ["8", "8.0"],
    "8.0",
    "Redis 8.0 from Debian trixie, with the official redis image's entrypoint contract.",
  ),
  libraryImage(
    "nginx",
    ["1.26"],
    "1.26",
    "nginx 1.26 from Debian trixie, laid out like the official nginx image (conf.d, logs to stdout).",
  ),
  libraryImage(
    "busybox",
    ["latest", "1.37"],
    "1.37",
    "Debian's static busybox on an empty image, one symlink per applet.",
  ),
  // Not an official library image: real projects write prom/prometheus, pinned to a release tag.
  // Debian trixie's package is that exact release; `latest` (3.x upstream) would not tell the truth.
  libraryImage(
    "prometheus",
    ["v2.53.3"],
    "2.53.3",
    "Prometheus 2.53.3 and promtool from Debian trixie, as prom/prometheus: runs as nobody, data in /prometheus, :9090.",
    "prom/prometheus",
  ),
];

export function reference(def: ImageDefinition): string {
  return `${def.repository}:${def.tag}`;
}

/**
 * Images seeded into every lab registry as Docker Hub library images, so that
 * `FROM debian:trixie-slim` or `image: postgres:17` resolves offline through the registry mirror.
 */
export interface SeedImage {
  /** Repository path in the registry, e.g. library/debian. */
  repository: string;
  tag: string;
  /** Which built image provides it. */
  source: ImageDefinition;
}

export const seedImages: SeedImage[] = [
  { repository: "library/debian", tag: "trixie-slim", source: baseImage },
  ...libraryImages.flatMap((def) =>
    def.hubTags.map((tag) => ({ repository: def.hubRepository, tag, source: def })),
  ),
];

/** `repository:tag`, the key of a seeded image in lab settings and in the seeded registry's record. */
export function seedKey(seed: Pick<SeedImage, "repository" | "tag">): string {
  return `${seed.repository}:${seed.tag}`;
}
