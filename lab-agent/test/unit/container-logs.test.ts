import { describe, expect, it } from "vitest";
import { demuxDockerStream } from "../../src/lab/container-logs.ts";

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe("demuxDockerStream", () => {
  it("joins stdout and stderr frames in order", () => {
    const buf = Buffer.concat([frame(1, "out one\n"), frame(2, "err two\n"), frame(1, "out three\n")]);
    expect(demuxDockerStream(buf)).toBe("out one\nerr two\nout three\n");
  });

  it("passes raw (TTY) output through", () => {
    expect(demuxDockerStream(Buffer.from("plain text from a tty\n"))).toBe("plain text from a tty\n");
  });
});
