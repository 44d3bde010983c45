import type Docker from "dockerode";
import { pack } from "tar-fs";
import { DrydockError, ErrorCode, errorMessage, toDrydockError } from "../common/errors.ts";
import { LogTail, type Progress } from "../common/progress.ts";
import { IMAGE_LABEL, type ImageDefinition, reference } from "./image-definitions.ts";

export interface BuildRequest {
  def: ImageDefinition;
  hash: string;
  parent: string;
  /** Build every step again instead of reusing cached layers (benchmarks measure cold builds). */
  noCache?: boolean;
}

interface BuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Builds one image definition on the host engine, streaming its steps as progress. */
export async function buildImage(docker: Docker, req: BuildRequest, progress: Progress): Promise<void> {
  const { def, hash, parent } = req;
  const stepId = `image-${def.name}`;
  const tail = new LogTail(30);
  let currentStep = "(before the first step)";

  const onMessage = (msg: BuildMessage) => {
    const text = msg.stream ?? msg.status;
    if (!text) return;
    for (const line of text.split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line);
      if (/^Step \d+\/\d+ :/.test(line)) {
        currentStep = line;
        // Drydock's own metadata labels are steps too; they are noise to a person.
        if (/^Step \d+\/\d+ : LABEL (io\.drydock|org\.opencontainers)/.test(line)) continue;
        progress({
          kind: "info",
          message: `[${def.name}] ${line.length > 110 ? `${line.slice(0, 107)}...` : line}`,
        });
      } else {
        progress({ kind: "log", id: stepId, line });
      }
    }
  };

  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(pack(def.contextDir) as unknown as NodeJS.ReadableStream, {
      t: reference(def),
      buildargs: { [def.parentArg]: parent },
      labels: {
        "org.opencontainers.image.title": def.title,
        "org.opencontainers.image.description": def.description,
        "org.opencontainers.image.vendor": "Drydock",
        "org.opencontainers.image.created": new Date().toISOString(),
        ...(def.version ? { "org.opencontainers.image.version": def.version } : {}),
        [IMAGE_LABEL.definitionHash]: hash,
        [IMAGE_LABEL.image]: def.name,
      },
      rm: true,
      forcerm: true,
      pull: false,
      ...(req.noCache ? { nocache: true } : {}),
    });
  } catch (err) {
    throw buildFailure(def, currentStep, tail, err);
  }

  const failure = await new Promise<string | undefined>((resolve, reject) => {
    let error: string | undefined;
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : resolve(error)),
      (msg: BuildMessage) => {
        if (msg.error || msg.errorDetail) error = msg.errorDetail?.message ?? msg.error;
        onMessage(msg);
      },
    );
  }).catch((err: unknown) => errorMessage(err));
  if (failure) throw buildFailure(def, currentStep, tail, new Error(failure));

  await docker.getImage(reference(def)).tag({ repo: def.repository, tag: hash.slice(0, 12) });
}

function buildFailure(def: ImageDefinition, currentStep: string, tail: LogTail, err: unknown): DrydockError {
  const wrapped = toDrydockError(err);
  if (wrapped.code === ErrorCode.noDiskSpace) return wrapped;
  return new DrydockError(ErrorCode.imageBuild, `Building the ${def.name} image failed at: ${currentStep}`, {
    details: `${errorMessage(err)}\n--- last build output ---\n${tail}`,
    hint: `Fix the cause above (the definition is in ${def.contextDir}), then run \`drydock images\` again. A network error usually means the host's Debian mirror was not reachable.`,
    cause: err,
  });
}
