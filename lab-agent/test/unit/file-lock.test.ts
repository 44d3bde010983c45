import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "../../src/common/file-lock.ts";

describe("withFileLock", () => {
  it("runs holders of the same lock one after the other, tells the waiter, and releases on error", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "drydock-lock-")), "images");
    const order: string[] = [];
    let waited = 0;
    const hold = (name: string, ms: number) =>
      withFileLock(path, { onWait: () => waited++ }, async () => {
        order.push(`${name}+`);
        await new Promise((r) => setTimeout(r, ms));
        order.push(`${name}-`);
        return name;
      });
    const first = hold("a", 300);
    await new Promise((r) => setTimeout(r, 50));
    const results = await Promise.all([first, hold("b", 10)]);
    expect(results).toEqual(["a", "b"]);
    expect(order).toEqual(["a+", "a-", "b+", "b-"]);
    expect(waited).toBe(1);
    await expect(
      withFileLock(path, {}, async () => {
        throw new Error("build failed");
      }),
    ).rejects.toThrow("build failed");
    expect(await withFileLock(path, {}, async () => "free again")).toBe("free again");
  });
});
