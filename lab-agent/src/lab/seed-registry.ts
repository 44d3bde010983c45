import type Docker from "dockerode";
import { type Progress, step } from "../common/progress.ts";
import { reference, type SeedImage, seedImages, seedKey } from "../images/image-definitions.ts";
import { pushImageAs } from "../images/push-image.ts";
import type { LabSettings } from "./lab-settings.ts";
import type { RegistryClient } from "./registry-client.ts";

/**
 * A lab registry normally starts with the library images already in it (its volume
 * is a copy of the seeded registry image). This repairs what is missing or stale,
 * e.g. in a lab created before a library image was added, and skips the rest.
 */
export async function seedRegistry(
  docker: Docker,
  registry: RegistryClient,
  /** host:port the *host engine* pushes to: the registry's port published on 127.0.0.1. */
  pushHost: string,
  seeded: LabSettings["seeded"],
  progress: Progress,
  images: SeedImage[] = seedImages,
): Promise<LabSettings["seeded"]> {
  const record = { ...seeded };
  const todo: Array<{ seed: SeedImage; sourceId: string }> = [];
  for (const seed of images) {
    const key = seedKey(seed);
    const sourceId = (await docker.getImage(reference(seed.source)).inspect()).Id;
    const present = await registry.manifestDigest(seed.repository, seed.tag);
    if (present && record[key]?.sourceId === sourceId && record[key]?.digest === present) continue;
    todo.push({ seed, sourceId });
  }
  if (todo.length === 0) return record;
  await step(progress, "seed", `Seeding ${todo.length} library image(s) into the lab registry`, async () => {
    for (const { seed, sourceId } of todo) {
      const key = seedKey(seed);
      const digest = await pushImageAs(docker, reference(seed.source), {
        registryHost: pushHost,
        repository: seed.repository,
        tag: seed.tag,
      });
      record[key] = { sourceId, digest };
      progress({ kind: "info", message: `${key.replace(/^library\//, "")} -> ${digest}` });
    }
  });
  return record;
}
