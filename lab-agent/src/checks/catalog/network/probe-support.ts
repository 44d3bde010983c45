import type Docker from "dockerode";
import { inspectImage } from "../../engine-reads.ts";

/** Pulls a library image (through the lab registry, the engines' mirror) unless laptop has it. */
export async function ensureImage(docker: Docker, ref: string): Promise<void> {
  if (await inspectImage(docker, ref)) return;
  const stream = await docker.pull(ref);
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

/** Waits for a started container to exit (at most `ms`), then returns its exit code (-1 if it did not). */
export async function waitExit(c: Docker.Container, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((r) => {
    timer = setTimeout(() => r(-1), ms);
  });
  try {
    return await Promise.race([c.wait().then((w: { StatusCode: number }) => w.StatusCode), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
