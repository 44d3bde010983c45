import type Docker from "dockerode";

/** The last lines a container printed (stdout and stderr), for error messages. */
export async function containerLogTail(docker: Docker, id: string, lines = 20): Promise<string> {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines })) as Buffer;
    return demuxDockerStream(buf).trimEnd() || "(the container printed nothing)";
  } catch (err) {
    return `(its log could not be read: ${(err as Error).message})`;
  }
}

/**
 * Docker multiplexes stdout and stderr of non-TTY containers into frames:
 * 1 byte stream, 3 bytes padding, 4 bytes big-endian length, then the payload.
 */
export function demuxDockerStream(buf: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const kind = buf[offset];
    if (kind !== 0 && kind !== 1 && kind !== 2) return buf.toString("utf8"); // not multiplexed (TTY)
    const size = buf.readUInt32BE(offset + 4);
    parts.push(buf.subarray(offset + 8, offset + 8 + size).toString("utf8"));
    offset += 8 + size;
  }
  return parts.join("");
}
