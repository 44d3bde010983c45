import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { consoleProgress } from "../lab-agent/src/cli/render.ts";
import type { ProgressEvent } from "../lab-agent/src/common/progress.ts";
import { silentProgress } from "../lab-agent/src/common/progress.ts";
import { ensureEngine } from "../lab-agent/src/engine/ensure-engine.ts";
import { buildImage } from "../lab-agent/src/images/build-image.ts";
import { definitionHash } from "../lab-agent/src/images/content-hash.ts";
import { ensureImages } from "../lab-agent/src/images/ensure-images.ts";
import { type LibraryName, libraryImages, reference } from "../lab-agent/src/images/image-definitions.ts";
import { ensureSeededRegistry } from "../lab-agent/src/images/seeded-registry.ts";
import { type LabContext, labDown, labUp } from "../lab-agent/src/lab/lab-lifecycle.ts";

/**
 * Reference sizes of the official images, in MB as `docker images` shows them after a pull
 * (linux/amd64, uncompressed), approximate, from Docker Hub's Debian-based tags in 2025.
 * They are for comparison only; nothing here reaches the network.
 */
const OFFICIAL_MB: Record<LibraryName, number> = {
  node: 200, // node:20-slim (bookworm), npm and yarn included
  postgres: 435, // postgres:17 (bookworm), LLVM JIT included
  redis: 140, // redis:8 (bookworm), Redis 8 modules included
  nginx: 190, // nginx:1.26 (bookworm), njs included
  busybox: 4.3, // busybox:latest (glibc)
  prometheus: 270, // prom/prometheus:v2.53.3 (busybox base), prometheus and promtool, React UI
};

/**
 * Library image figures: a cold build of each (no layer cache, under scratch tags that are
 * removed afterwards, so the images labs use are left alone), the seeded registry bake, a new
 * lab's `lab up` with the set built (its registry volume is a copy of the seeded image), and
 * each image's size beside the official one.
 */
export async function run(_args: string[]): Promise<void> {
  const engine = await ensureEngine({ progress: consoleProgress(false) });
  const docker = engine.docker;
  const figure = (name: string, value: number, unit: string, note = "") =>
    process.stdout.write(
      `${name} ${Number.isInteger(value) ? value : value.toFixed(2)} ${unit}${note ? `  ${note}` : ""}\n`,
    );
  const images = await ensureImages(docker, { progress: silentProgress });
  const scratch: string[] = [];
  try {
    let total = 0;
    for (const def of libraryImages) {
      const bench = { ...def, repository: `drydock-bench/library-${def.name.slice("library/".length)}` };
      const hash = definitionHash(def.contextDir, { parent: images.base.hash, name: def.name });
      scratch.push(reference(bench), `${bench.repository}:${hash.slice(0, 12)}`);
      const built = await timed(() =>
        buildImage(docker, { def: bench, hash, parent: images.base.ref, noCache: true }, silentProgress),
      );
      total += built.seconds;
      figure(`images.cold_build.${def.name.slice("library/".length)}`, built.seconds, "s");
    }
    figure("images.cold_build.total", total, "s");

    const bakeRef = "drydock-bench/lab-registry-seeded:latest";
    scratch.push(bakeRef);
    const bake = await timed(() =>
      ensureSeededRegistry(docker, {
        registryRef: images.registry.ref,
        registryHash: images.registry.hash,
        progress: silentProgress,
        ref: bakeRef,
      }),
    );
    figure("images.seed.bake", bake.seconds, "s", `(${Object.keys(bake.value.seeded).length} tags)`);
  } finally {
    for (const ref of scratch)
      await docker
        .getImage(ref)
        .remove({ noprune: false })
        .catch(() => {});
  }

  const steps: Record<string, number> = {};
  const ctx: LabContext = {
    docker,
    lab: `benchimg${Date.now().toString(36)}`,
    home: mkdtempSync(join(tmpdir(), "drydock-bench-")),
    progress: (e: ProgressEvent) => {
      if (e.kind === "done") steps[e.id] = e.seconds;
    },
  };
  try {
    const up = await timed(() => labUp(ctx));
    if (!up.value.healthy) throw new Error("the lab did not come up healthy");
    figure("images.seed.lab_up", up.seconds, "s", "(new lab, images built)");
    figure(
      "images.seed.registry_start",
      steps.registry ?? 0,
      "s",
      "(registry volume copied from the seeded image)",
    );
    figure(
      "images.seed.repair",
      steps.seed ?? 0,
      "s",
      steps.seed ? "(pushed missing tags)" : "(nothing to push)",
    );
  } finally {
    await labDown(ctx).catch(() => {});
  }

  for (const def of libraryImages) {
    const name = def.name.slice("library/".length) as LibraryName;
    const size = (await docker.getImage(reference(def)).inspect()).Size / 1e6;
    figure(`images.size.${name}`, Math.round(size * 10) / 10, "MB", `official ~${OFFICIAL_MB[name]} MB`);
  }
  const base = (await docker.getImage(images.base.ref).inspect()).Size / 1e6;
  figure(
    "images.size.base",
    Math.round(base * 10) / 10,
    "MB",
    "shared by all but busybox; debian:trixie-slim ~78 MB",
  );
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}
