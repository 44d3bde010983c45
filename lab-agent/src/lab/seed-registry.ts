import type Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { type Progress, step } from "../common/progress.ts";
import { reference, type SeedImage, seedImages } from "../images/image-definitions.ts";
import type { LabSettings } from "./lab-settings.ts";
import type { RegistryClient } from "./registry-client.ts";

/**
 * Pushes Drydock's library images into the lab registry (as `library/<name>:<tag>`),
 * which every lab engine uses as its Docker Hub mirror. Skips what is already there
 * from the same source image. Returns the updated record of what was seeded.
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
    const key = `${seed.repository}:${seed.tag}`;
    const sourceId = (await docker.getImage(reference(seed.source)).inspect()).Id;
    const present = await registry.manifestDigest(seed.repository, seed.tag);
    if (present && record[key]?.sourceId === sourceId && record[key]?.digest === present) continue;
    todo.push({ seed, sourceId });
  }
  if (todo.length === 0) return record;
  await step(progress, "seed", `Seeding ${todo.length} library image(s) into the lab registry`, async () => {
    for (const { seed, sourceId } of todo) {
      const key = `${seed.repository}:${seed.tag}`;
      record[key] = { sourceId, digest: await pushAs(docker, seed, pushHost) };
      progress({ kind: "info", message: `${key.replace(/^library\//, "")} -> ${record[key].digest}` });
    }
  });
  return record;
}

async function pushAs(docker: Docker, seed: SeedImage, pushHost: string): Promise<string> {
  const repo = `${pushHost}/${seed.repository}`;
  const target = `${repo}:${seed.tag}`;
  await docker.getImage(reference(seed.source)).tag({ repo, tag: seed.tag });
  try {
    // The engine insists on an X-Registry-Auth header even for a registry without auth.
    const stream = await docker.getImage(target).push({ authconfig: {} });
    let digest: string | undefined;
    let failure: string | undefined;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(
        stream,
        (err) => (err ? reject(err) : resolve()),
        (msg: { aux?: { Digest?: string }; error?: string }) => {
          if (msg.aux?.Digest) digest = msg.aux.Digest;
          if (msg.error) failure = msg.error;
        },
      ),
    );
    if (failure || !digest) throw new Error(failure ?? "the engine reported no digest");
    return digest;
  } catch (err) {
    throw new DrydockError(ErrorCode.nodeEngine, `Seeding ${seed.repository}:${seed.tag} into the lab registry failed.`, {
      details: errorMessage(err),
      hint: "Check the registry with `drydock lab status`; `drydock lab up` retries the seeding.",
    });
  } finally {
    await docker.getImage(target).remove({ noprune: true }).catch(() => {});
  }
}
