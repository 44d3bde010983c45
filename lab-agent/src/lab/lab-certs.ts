import type Docker from "dockerode";
import { extract } from "tar-stream";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { containerLogTail } from "./container-logs.ts";
import { LABEL, type LabId, labLabels } from "./lab-names.ts";
import { labVolumeMount } from "./node-spec.ts";

/** The client side of a lab's TLS: what the agent presents to every node engine. */
export interface ClientCerts {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * Makes the lab's CA and certificates once, in the lab's `certs` volume, with
 * openssl from the node image (Node's crypto cannot sign X.509), and returns the
 * client half. Keys stay in Docker volumes and in memory, never in files of ours.
 */
export async function ensureLabCerts(docker: Docker, lab: LabId, nodeImage: string): Promise<ClientCerts> {
  const container = await docker.createContainer({
    Image: nodeImage,
    Entrypoint: ["/usr/local/bin/drydock-gen-certs", "/certs"],
    Labels: labLabels(lab, { [LABEL.purpose]: "certs" }),
    HostConfig: {
      NetworkMode: "none",
      Mounts: [labVolumeMount(lab, "certs", "/certs")],
    },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      throw new DrydockError(
        ErrorCode.nodeEngine,
        `Making the lab's TLS certificates failed (exit ${StatusCode}).`,
        {
          details: await containerLogTail(docker, container.id),
          hint: `Remove the lab (\`drydock lab down --lab ${lab}\`) and bring it up again.`,
        },
      );
    }
    return await readClientCerts(docker, container.id);
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}

/** Reads /certs/client/{ca,cert,key}.pem from any lab container that mounts the certs volume. */
export async function readClientCerts(docker: Docker, containerId: string): Promise<ClientCerts> {
  const archive = await docker.getContainer(containerId).getArchive({ path: "/certs/client" });
  const files = await untar(archive);
  const pick = (name: string): Buffer => {
    const file = files.get(`client/${name}`);
    if (!file) {
      throw new DrydockError(ErrorCode.nodeEngine, `The lab's certificate ${name} is missing.`, {
        hint: "Run `drydock lab up` to repair the lab.",
      });
    }
    return file;
  };
  return { ca: pick("ca.pem"), cert: pick("cert.pem"), key: pick("key.pem") };
}

function untar(stream: NodeJS.ReadableStream): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    const files = new Map<string, Buffer>();
    const ex = extract();
    ex.on("entry", (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on("data", (c: unknown) => {
        chunks.push(c as Buffer);
      });
      body.on("end", () => {
        if (header.type === "file") files.set(header.name.replace(/^\.\//, ""), Buffer.concat(chunks));
        next();
      });
      body.resume();
    });
    ex.on("finish", () => resolve(files));
    ex.on("error", reject);
    stream.pipe(ex);
  });
}
