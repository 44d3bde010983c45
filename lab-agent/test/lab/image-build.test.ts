import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DrydockError } from "../../src/common/errors.ts";
import type { ProgressEvent } from "../../src/common/progress.ts";
import { buildImage } from "../../src/images/build-image.ts";
import { ensureImages } from "../../src/images/ensure-images.ts";
import { baseImage, type ImageDefinition } from "../../src/images/image-definitions.ts";
import { hostDocker } from "../support/lab-helpers.ts";

describe("lab images", () => {
  it("a rebuild with no change skips every build", async () => {
    const docker = await hostDocker();
    const events: ProgressEvent[] = [];
    const images = await ensureImages(docker, { progress: (e) => events.push(e) });
    expect(events.filter((e) => e.kind === "step")).toEqual([]);
    const node = await docker.getImage(images.node.ref).inspect();
    expect(node.Config.Labels).toMatchObject({
      "io.drydock.definition-hash": images.node.hash,
      "org.opencontainers.image.title": "Drydock lab node",
    });
  });

  it("a failing build reports the step that failed and the tail of its output", async () => {
    const docker = await hostDocker();
    const dir = mkdtempSync(join(tmpdir(), "drydock-broken-"));
    writeFileSync(
      join(dir, "Dockerfile"),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a JS template.
      "ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN echo preparing the broken step\nRUN echo about to fail && exit 3\n",
    );
    const def: ImageDefinition = {
      ...baseImage,
      name: "node",
      repository: "drydock-test/broken",
      contextDir: dir,
      parentArg: "BASE_IMAGE",
    };
    const failure = await buildImage(
      docker,
      { def, hash: "test", parent: "drydock/debian:trixie" },
      () => {},
    ).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(DrydockError);
    const err = failure as DrydockError;
    expect(err.code).toBe("image-build");
    expect(err.exitCode).toBe(6);
    expect(err.message).toMatch(
      /^Building the node image failed at: Step 4\/\d+ : RUN echo about to fail && exit 3$/,
    );
    expect(err.details).toContain("about to fail");
    expect(err.details).toContain("returned a non-zero code: 3");
    expect(err.hint).toContain(dir);
  });
});
