import { describe, expect, it } from "vitest";
import { formatError } from "../../src/cli/render.ts";
import { DrydockError, toDrydockError } from "../../src/common/errors.ts";

describe("errors", () => {
  it("recognises a full disk in an engine error and says what to do", () => {
    const err = toDrydockError(
      Object.assign(new Error("(HTTP code 500) server error"), {
        json: { message: "write /var/lib/docker/tmp/x: no space left on device" },
      }),
    );
    expect(err.code).toBe("no-disk-space");
    expect(err.exitCode).toBe(5);
    expect(err.hint).toContain("docker system prune");
  });

  it("prints message, indented details and the hint", () => {
    const text = formatError(
      new DrydockError("node-engine", "It broke.", { details: "line 1\nline 2", hint: "Fix it." }),
    );
    expect(text).toBe("✗ It broke.\n  line 1\n  line 2\n→ Fix it.\n");
  });
});
