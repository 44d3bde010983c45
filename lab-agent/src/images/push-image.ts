import type Docker from "dockerode";
import { DrydockError, ErrorCode, errorMessage } from "../common/errors.ts";

/**
 * Pushes a local image of the host engine to a registry the host engine reaches
 * (a lab registry's port published on 127.0.0.1, which Docker trusts without TLS)
 * under `repository:tag`, and returns the manifest digest.
 */
export async function pushImageAs(
  docker: Docker,
  source: string,
  target: { registryHost: string; repository: string; tag: string },
): Promise<string> {
  const repo = `${target.registryHost}/${target.repository}`;
  const ref = `${repo}:${target.tag}`;
  await docker.getImage(source).tag({ repo, tag: target.tag });
  try {
    // The engine insists on an X-Registry-Auth header even for a registry without auth.
    const stream = await docker.getImage(ref).push({ authconfig: {} });
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
    throw new DrydockError(
      ErrorCode.nodeEngine,
      `Pushing ${target.repository}:${target.tag} to the lab registry failed.`,
      {
        details: errorMessage(err),
        hint: "Check the registry with `drydock lab status`; `drydock lab up` tries again.",
      },
    );
  } finally {
    await docker
      .getImage(ref)
      .remove({ noprune: true })
      .catch(() => {});
  }
}
