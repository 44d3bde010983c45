import { consoleProgress } from "../../src/cli/render.ts";
import { ensureEngine } from "../../src/engine/ensure-engine.ts";
import { ensureImages } from "../../src/images/ensure-images.ts";

/**
 * Lab tests need a real engine and the lab images. Building them here, once, keeps
 * every test's own time about the lab itself (and shows build progress in the log).
 */
export default async function setup(): Promise<void> {
  const progress = consoleProgress(false);
  // `npm test` runs `drydock engine` first (it asks before installing, unless CI=true).
  const engine = await ensureEngine({ interactive: false, progress });
  await ensureImages(engine.docker, { progress });
}
