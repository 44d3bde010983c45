import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { definitionHash } from "../../src/images/content-hash.ts";

function contextDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "drydock-hash-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe("definitionHash", () => {
  const files = { Dockerfile: "FROM x\n", "conf/a.json": "{}" };

  it("is the same for the same files and inputs, wherever they live", () => {
    expect(definitionHash(contextDir(files), { parent: "p" })).toBe(
      definitionHash(contextDir(files), { parent: "p" }),
    );
  });

  it("changes when a file's bytes, a file's name or an input changes", () => {
    const base = definitionHash(contextDir(files), { parent: "p" });
    expect(definitionHash(contextDir({ ...files, Dockerfile: "FROM y\n" }), { parent: "p" })).not.toBe(base);
    expect(
      definitionHash(contextDir({ Dockerfile: "FROM x\n", "conf/b.json": "{}" }), { parent: "p" }),
    ).not.toBe(base);
    expect(definitionHash(contextDir(files), { parent: "q" })).not.toBe(base);
  });
});
