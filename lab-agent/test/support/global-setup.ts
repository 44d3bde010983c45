import { consoleProgress } from "../../src/cli/render.ts";
import { repoRoot } from "../../src/common/paths.ts";
import { ensureEngine } from "../../src/engine/ensure-engine.ts";
import { ensureImages } from "../../src/images/ensure-images.ts";
import { ensureSiteBuilt } from "../../src/server/site-build.ts";

/**
 * Lab tests need a real engine and the lab images, and the agents they start serve the
 * course site. Building them here, once, keeps every test's own time about the lab itself
 * (and shows build progress in the log).
 */
export default async function setup(): Promise<void> {
  const progress = consoleProgress(false);
  // `npm test` runs `drydock engine` first (it asks before installing, unless CI=true).
  const engine = await ensureEngine({ interactive: false, progress });
  await ensureImages(engine.docker, { progress });
  await ensureSiteBuilt(repoRoot, progress);
}
