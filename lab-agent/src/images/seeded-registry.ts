import { createHash } from "node:crypto";
import type Docker from "dockerode";
import { extract, pack } from "tar-stream";
import { z } from "zod";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { fetchWithTimeout } from "../common/fetch-with-timeout.ts";
import { type Progress, step } from "../common/progress.ts";
import { IMAGE_LABEL, reference, type SeedImage, seedImages, seedKey } from "./image-definitions.ts";
import { pushImageAs } from "./push-image.ts";

export const SEEDED_REGISTRY_REPOSITORY = "drydock/lab-registry-seeded";
/** Where a seeded registry was built before it was tagged by its hash; still found there. */
export const SEEDED_REGISTRY_REF = `${SEEDED_REGISTRY_REPOSITORY}:latest`;
const SEEDED_LABEL = "io.drydock.seeded";

export const SeededRecord = z.record(z.string(), z.object({ sourceId: z.string(), digest: z.string() }));
export type SeededRecord = z.infer<typeof SeededRecord>;

export interface SeededRegistryImage {
  ref: string;
  hash: string;
  /** What its /var/lib/registry holds: `repository:tag` -> source image and digest. */
  seeded: SeededRecord;
}

export interface SeededRegistryOptions {
  /** The plain registry image it is derived from, and that image's definition hash. */
  registryRef: string;
  registryHash: string;
  progress: Progress;
  seeds?: SeedImage[];
  /**
   * Where to build it; benchmarks use a scratch reference. By default it is tagged by its hash
   * (drydock/lab-registry-seeded:<hash12>), so checkouts with different seed sets on one engine
   * each keep theirs instead of rebuilding each other's.
   */
  ref?: string;
}

/**
 * The registry image with Drydock's library images already pushed into its
 * /var/lib/registry. A lab's registry volume starts as a copy of it, so a new lab
 * costs a file copy instead of a push of every library image.
 */
export async function ensureSeededRegistry(
  docker: Docker,
  opts: SeededRegistryOptions,
): Promise<SeededRegistryImage> {
  const { registryRef, progress, seeds = seedImages } = opts;
  const sources = await Promise.all(
    seeds.map(async (s) => ({
      seed: s,
      sourceId: await sourceImageId(docker, s),
    })),
  );
  const hash = seededRegistryHash(opts.registryHash, sources);
  const ref = opts.ref ?? `${SEEDED_REGISTRY_REPOSITORY}:${hash.slice(0, 12)}`;
  for (const candidate of opts.ref ? [ref] : [ref, SEEDED_REGISTRY_REF]) {
    const found = await seededAt(docker, candidate, hash);
    if (!found) continue;
    // Built by an older Drydock under :latest: from now on found by its hash.
    if (candidate !== ref)
      await docker.getImage(candidate).tag({ repo: SEEDED_REGISTRY_REPOSITORY, tag: hash.slice(0, 12) });
    return { ref, hash, seeded: found };
  }
  const seeded = await step(
    progress,
    "image-seeded-registry",
    `Seeding ${seeds.length} library image tag(s) into ${ref}`,
    () => buildSeeded(docker, { registryRef, ref }, hash, sources, progress),
  );
  return { ref, hash, seeded };
}

/** The record of the seeded registry image at `ref` when it was built for `hash`. */
async function seededAt(docker: Docker, ref: string, hash: string): Promise<SeededRecord | undefined> {
  const current = await docker
    .getImage(ref)
    .inspect()
    .catch(() => undefined);
  const labels = current?.Config.Labels ?? {};
  if (labels[IMAGE_LABEL.definitionHash] !== hash) return undefined;
  const parsed = SeededRecord.safeParse(JSON.parse(labels[SEEDED_LABEL] ?? "{}"));
  return parsed.success ? parsed.data : undefined;
}

/**
 * What the seeded registry is made of: the registry image and, per seeded tag, the image ID
 * behind it. Order-independent, so reordering the seed list rebuilds nothing.
 */
export function seededRegistryHash(
  registryHash: string,
  sources: Array<{ seed: Pick<SeedImage, "repository" | "tag">; sourceId: string }>,
): string {
  return createHash("sha256")
    .update(registryHash)
    .update(
      sources
        .map((s) => `${seedKey(s.seed)}=${s.sourceId}`)
        .sort()
        .join("\n"),
    )
    .digest("hex");
}

async function sourceImageId(docker: Docker, seed: SeedImage): Promise<string> {
  try {
    return (await docker.getImage(reference(seed.source)).inspect()).Id;
  } catch (err) {
    throw new DrydockError(
      ErrorCode.imageBuild,
      `The image behind ${seedKey(seed)} (${reference(seed.source)}) is missing.`,
      {
        details: errorMessage(err),
        hint: "Run `drydock images` to build the lab images, then try again.",
      },
    );
  }
}

async function buildSeeded(
  docker: Docker,
  target: { registryRef: string; ref: string },
  hash: string,
  sources: Array<{ seed: SeedImage; sourceId: string }>,
  progress: Progress,
): Promise<SeededRecord> {
  const { registryRef, ref } = target;
  const container = await docker.createContainer({
    Image: registryRef,
    Labels: { "io.drydock.managed": "true", "io.drydock.purpose": "seed-build" },
    ExposedPorts: { "5000/tcp": {} },
    HostConfig: { PortBindings: { "5000/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] } },
  });
  try {
    await container.start();
    const port = (await container.inspect()).NetworkSettings.Ports?.["5000/tcp"]?.[0]?.HostPort;
    await waitForRegistry(`http://127.0.0.1:${port}/v2/`);
    const seeded: SeededRecord = {};
    for (const { seed, sourceId } of sources) {
      const digest = await pushImageAs(docker, reference(seed.source), {
        registryHost: `127.0.0.1:${port}`,
        repository: seed.repository,
        tag: seed.tag,
      });
      seeded[seedKey(seed)] = { sourceId, digest };
      progress({ kind: "info", message: `${seedKey(seed).replace(/^library\//, "")} -> ${digest}` });
    }
    await container.stop({ t: 5 });
    const archive = await container.getArchive({ path: "/var/lib/registry" });
    const stream = await docker.buildImage(contextWith(archive, registryRef), {
      t: ref,
      labels: {
        "org.opencontainers.image.title": "Drydock lab registry, seeded",
        "org.opencontainers.image.vendor": "Drydock",
        [IMAGE_LABEL.definitionHash]: hash,
        [IMAGE_LABEL.image]: "seeded-registry",
        [SEEDED_LABEL]: JSON.stringify(seeded),
      },
      rm: true,
      forcerm: true,
    });
    const failure = await new Promise<string | undefined>((resolve, reject) => {
      let error: string | undefined;
      docker.modem.followProgress(
        stream,
        (err) => (err ? reject(err) : resolve(error)),
        (msg: { error?: string }) => {
          if (msg.error) error = msg.error;
        },
      );
    });
    if (failure) {
      throw new DrydockError(ErrorCode.imageBuild, "Building the seeded registry image failed.", {
        details: failure,
        hint: "Run `drydock images --force` to rebuild every lab image.",
      });
    }
    return seeded;
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

/** A build context: a two-line Dockerfile plus the registry's storage under data/. */
function contextWith(archive: NodeJS.ReadableStream, registryRef: string): NodeJS.ReadableStream {
  const out = pack();
  out.entry(
    { name: "Dockerfile" },
    `FROM ${registryRef}\nCOPY --chown=docker-registry:docker-registry data/registry/ /var/lib/registry/\n`,
  );
  const ex = extract();
  ex.on("entry", (header, body, next) => {
    const entry = out.entry({ ...header, name: `data/${header.name}` }, next);
    body.pipe(entry);
  });
  ex.on("finish", () => out.finalize());
  ex.on("error", (err) => out.destroy(err));
  archive.pipe(ex);
  return out as unknown as NodeJS.ReadableStream;
}

async function waitForRegistry(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ok = await fetchWithTimeout(url, {}, 1_000)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new DrydockError(
    ErrorCode.imageBuild,
    "A temporary registry for seeding did not answer within 20 s.",
  );
}
