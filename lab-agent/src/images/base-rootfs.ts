import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";
import { LogTail, type Progress, step } from "../common/progress.ts";
import { commandExists, runCommand } from "../common/run-command.ts";
import { withTimeout } from "../engine/find-engine.ts";
import { hostDebianMirror } from "./apt-mirror.ts";
import { DEBOOTSTRAP, ROOTFS_REPOSITORY, ROOTFS_TAG } from "./image-definitions.ts";

export const ROOTFS_REF = `${ROOTFS_REPOSITORY}:${ROOTFS_TAG}`;

export interface RootfsOptions {
  progress: Progress;
  /** Skip the registry and bootstrap from Debian packages straight away. */
  offline?: boolean;
  /** Make a new rootfs even if one exists. */
  force?: boolean;
  workDir: string;
}

/**
 * The Debian trixie root filesystem every lab image starts from, as a local image:
 * pulled as debian:trixie-slim when a registry answers, else made with debootstrap
 * from the host's own Debian mirror and imported. Returns its image ID.
 */
export async function ensureRootfs(docker: Docker, opts: RootfsOptions): Promise<string> {
  if (!opts.force) {
    const existing = await docker
      .getImage(ROOTFS_REF)
      .inspect()
      .catch(() => undefined);
    if (existing) return existing.Id;
  }
  if (!opts.offline) {
    const pulled = await tryPull(docker, `debian:${DEBOOTSTRAP.suite}-slim`, opts.progress);
    if (pulled) {
      await docker
        .getImage(`debian:${DEBOOTSTRAP.suite}-slim`)
        .tag({ repo: ROOTFS_REPOSITORY, tag: ROOTFS_TAG });
      return (await docker.getImage(ROOTFS_REF).inspect()).Id;
    }
  }
  await step(opts.progress, "rootfs", `Bootstrapping Debian ${DEBOOTSTRAP.suite} with debootstrap`, () =>
    bootstrapAndImport(docker, opts),
  );
  return (await docker.getImage(ROOTFS_REF).inspect()).Id;
}

async function tryPull(docker: Docker, ref: string, progress: Progress): Promise<boolean> {
  try {
    const stream = await withTimeout(docker.pull(ref), 20_000, "no answer within 20 s");
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())),
    );
    progress({ kind: "info", message: `Pulled ${ref} as the base root filesystem.` });
    return true;
  } catch (err) {
    progress({
      kind: "info",
      message: `No registry answered for ${ref} (${errorMessage(err)}); building it offline.`,
    });
    return false;
  }
}

async function bootstrapAndImport(docker: Docker, opts: RootfsOptions): Promise<void> {
  const mirror = hostDebianMirror();
  if (!mirror) {
    throw new DrydockError(
      ErrorCode.imageBuild,
      "Cannot build the Debian base image offline: no Debian mirror found.",
      {
        hint: "Drydock reads the mirror from this host's apt sources (/etc/apt/sources.list or /etc/apt/sources.list.d/*.sources). Without one, the host needs a registry that serves debian:trixie-slim.",
      },
    );
  }
  if (process.getuid?.() !== 0) {
    throw new DrydockError(
      ErrorCode.imageBuild,
      "Building the Debian base image offline needs root (debootstrap).",
      {
        hint: "Run `sudo npx drydock images` once; later runs reuse the image.",
      },
    );
  }
  const tail = new LogTail();
  const onLine = (line: string) => {
    tail.push(line);
    opts.progress({ kind: "log", id: "rootfs", line });
  };
  if (!(await commandExists("debootstrap"))) {
    opts.progress({ kind: "info", message: "Installing debootstrap from Debian's packages." });
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    await runCommand("apt-get", ["update"], { onLine, env });
    const installed = await runCommand("apt-get", ["install", "-y", "debootstrap"], { onLine, env });
    if (installed.code !== 0) throw bootstrapFailure("installing debootstrap", tail);
  }
  const dir = mkdtempSync(join(opts.workDir, "rootfs-"));
  try {
    const rootfs = join(dir, "rootfs");
    const result = await runCommand(
      "debootstrap",
      [`--variant=${DEBOOTSTRAP.variant}`, DEBOOTSTRAP.suite, rootfs, mirror],
      { onLine },
    );
    if (result.code !== 0) throw bootstrapFailure("debootstrap", tail);
    slimRootfs(rootfs);
    await importRootfs(docker, rootfs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What debootstrap leaves behind that a container image never needs: the downloaded
 * .deb files, apt lists, docs and man pages (as debian:*-slim drops them). Removed
 * before the import, since a later layer that deletes files cannot shrink the image.
 */
function slimRootfs(rootfs: string): void {
  for (const dir of [
    "var/cache/apt/archives",
    "var/lib/apt/lists",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
  ]) {
    const path = join(rootfs, dir);
    if (!existsSync(path)) continue;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      // Keep the directories apt expects (archives/partial, lists/partial, lock files are recreated).
      if (entry.isDirectory() && entry.name === "partial") continue;
      rmSync(join(path, entry.name), { recursive: true, force: true });
    }
  }
}

/** `tar -C rootfs -c . | docker import -`, with the engine API on the receiving side. */
async function importRootfs(docker: Docker, rootfs: string): Promise<void> {
  const tar = spawn("tar", ["-C", rootfs, "--numeric-owner", "-c", "."], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  tar.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const tarDone = new Promise<number>((resolve) => tar.on("close", (code) => resolve(code ?? 1)));
  const stream = await docker.importImage(tar.stdout, { repo: ROOTFS_REPOSITORY, tag: ROOTFS_TAG });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())),
  );
  const code = await tarDone;
  if (code !== 0) {
    throw new DrydockError(
      ErrorCode.imageBuild,
      `Packing the bootstrapped rootfs failed (tar exit ${code}).`,
      {
        details: stderr,
      },
    );
  }
}

function bootstrapFailure(what: string, tail: LogTail): DrydockError {
  return new DrydockError(ErrorCode.imageBuild, `Building the Debian base image failed while ${what}.`, {
    details: tail.toString(),
    hint: "Check that this host reaches its Debian mirror (see /etc/apt/sources.list*), then run `drydock images` again.",
  });
}
