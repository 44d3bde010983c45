import type Docker from "dockerode";
import { extract } from "tar-stream";
import { statusCodeOf } from "../common/errors.ts";

/** Scratch containers a check makes are labelled, so nothing of ours is ever left unnamed. */
export const CHECK_LABEL = "io.drydock.check";

/** An Engine API answer, or `absent` when the engine says 404 (no such image, container or path). */
async function unless404<T, A>(call: Promise<T>, absent: A): Promise<T | A> {
  try {
    return await call;
  } catch (err) {
    if (statusCodeOf(err) === 404) return absent;
    throw err;
  }
}

export function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  return unless404(docker.getImage(ref).inspect(), undefined);
}

export function inspectContainer(
  docker: Docker,
  name: string,
): Promise<Docker.ContainerInspectInfo | undefined> {
  return unless404(docker.getContainer(name).inspect(), undefined);
}

/** Runs `work` with a created-but-never-started container of the image, then removes it. */
export async function withStoppedContainer<T>(
  docker: Docker,
  image: string,
  check: string,
  work: (c: Docker.Container) => Promise<T>,
): Promise<T> {
  const container = await docker.createContainer({
    Image: image,
    Entrypoint: ["/drydock-never-started"],
    Cmd: [],
    Labels: { [CHECK_LABEL]: check },
    HostConfig: { NetworkMode: "none" },
  });
  try {
    return await work(container);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** A file's text through the archive API (GET /containers/{id}/archive), or null when absent. */
export async function readFileFrom(container: Docker.Container, path: string): Promise<string | null> {
  const stream = await unless404(container.getArchive({ path }), null);
  if (!stream) return null;
  let text: string | null = null;
  await walkTar(
    stream,
    (header) => header.type === "file",
    (header, body) => {
      if (header.type !== "file" || !body) return true;
      text = body.toString("utf8");
      return false;
    },
  );
  return text;
}

/**
 * Whether a path exists. GET …/archive and drop the stream at once: dockerode's HEAD
 * (infoArchive) leaves its TLS socket open, which keeps a CLI run from exiting.
 */
export async function pathExists(container: Docker.Container, path: string): Promise<boolean> {
  const stream = await unless404(container.getArchive({ path }), null);
  (stream as unknown as { destroy: () => void } | null)?.destroy();
  return stream !== null;
}

/**
 * The first file under a directory whose name matches, reading no further than needed
 * (package lists and caches can be large).
 */
export async function firstFileUnder(
  container: Docker.Container,
  dir: string,
  matches: (name: string) => boolean,
): Promise<{ exists: boolean; match?: string; files: number }> {
  const stream = await unless404(container.getArchive({ path: dir }), null);
  if (!stream) return { exists: false, files: 0 };
  let files = 0;
  let match: string | undefined;
  await walkTar(
    stream,
    () => false,
    (header) => {
      if (header.type !== "file") return true;
      files++;
      if (!matches(header.name)) return true;
      match = header.name;
      return false;
    },
  );
  return { exists: true, files, ...(match ? { match } : {}) };
}

type Header = { name: string; type?: string | null };

/** Visits tar entries (with their body when `wantBody` says so) until `visit` returns false. */
function walkTar(
  stream: NodeJS.ReadableStream,
  wantBody: (header: Header) => boolean,
  visit: (header: Header, body: Buffer | undefined) => boolean,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const ex = extract();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      (stream as unknown as { destroy?: () => void }).destroy?.();
      ex.destroy();
      resolve();
    };
    ex.on("entry", (header, body, next) => {
      const keep = wantBody(header);
      const chunks: Buffer[] = [];
      body.on("data", (c: unknown) => {
        if (keep) chunks.push(c as Buffer);
      });
      body.on("end", () => {
        if (done) return;
        if (visit(header, keep ? Buffer.concat(chunks) : undefined)) next();
        else finish();
      });
      body.resume();
    });
    ex.on("finish", finish);
    ex.on("error", (err) => (done ? undefined : reject(err)));
    stream.on("error", (err) => (done ? undefined : reject(err)));
    stream.pipe(ex);
  });
}

/** Splits a multiplexed log/exec stream into stdout and stderr. */
export function splitStreams(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset];
    if (kind !== 0 && kind !== 1 && kind !== 2) return { stdout: buf.toString("utf8"), stderr: "" };
    const size = buf.readUInt32BE(offset + 4);
    (kind === 2 ? err : out).push(buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

/** Runs argv (never a shell string) in a running container and returns its output and exit code. */
export async function execArgv(
  container: Docker.Container,
  cmd: string[],
  timeoutMs = 10_000,
  /** Variables for the command (NAME=value): values that must not appear in its argv, which engines log. */
  env?: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const exec = await container.exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
    ...(env ? { Env: env } : {}),
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      (stream as unknown as { destroy: () => void }).destroy();
      reject(new Error(`the command did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      clearTimeout(timer);
      resolve();
    });
    stream.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, ...splitStreams(Buffer.concat(chunks)) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
