import { join } from "node:path";
import { dockerDefinitionsDir } from "../common/paths.ts";

/** Labels on every image Drydock builds; the hash says which definition an image came from. */
export const IMAGE_LABEL = {
  definitionHash: "io.drydock.definition-hash",
  image: "io.drydock.image",
} as const;

export interface ImageDefinition {
  /** Short name used in progress and errors. */
  name: "base" | "node" | "registry";
  /** The tag Drydock uses; a second tag carries the short definition hash. */
  repository: string;
  tag: string;
  /** Folder under docker/ that is the build context. */
  contextDir: string;
  /** Build argument that receives the parent image reference. */
  parentArg: string;
  title: string;
  description: string;
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
  description:
    "A Docker 26 engine (Compose v2, buildx, containerd snapshotter) for docker-in-docker lab nodes.",
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

export function reference(def: ImageDefinition): string {
  return `${def.repository}:${def.tag}`;
}

/**
 * Images seeded into every lab registry as Docker Hub library images, so that
 * `FROM debian:trixie-slim` resolves offline through the registry mirror.
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
];
