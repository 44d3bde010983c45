import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scriptSafe } from "./script-safe.ts";
import { HarnessParams, inAppDir } from "./shared.ts";
import { testStack } from "./test-stack.ts";

describe("harness shared helpers", () => {
  it("inAppDir runs the command in the app folder with BUILD_ID and APP_IMAGE set, arguments kept whole", () => {
    const ws = mkdtempSync(join(tmpdir(), "drydock-harness-"));
    mkdirSync(join(ws, "my app"));
    const [cmd, ...args] = inAppDir(
      "my app",
      { buildId: "ci-42", image: "registry:5000/app:rc" },
      ["sh", "-c", 'printf "%s|%s|%s|%s" "$PWD" "$BUILD_ID" "$APP_IMAGE" "$1"', "sh", "a b; echo no"],
      ws,
    );
    const out = execFileSync(cmd as string, args, { encoding: "utf8" });
    expect(out).toBe(`${join(ws, "my app")}|ci-42|registry:5000/app:rc|a b; echo no`);
  });

  it("inAppDir stops when the folder is not there, instead of running elsewhere", () => {
    const ws = mkdtempSync(join(tmpdir(), "drydock-harness-"));
    const [cmd, ...args] = inAppDir("gone", { buildId: "b", image: "i" }, ["touch", "ran"], ws);
    expect(() => execFileSync(cmd as string, args, { stdio: "pipe" })).toThrow();
  });

  it("the stack and script checks re-run on the script and every Compose file, under the app folder", () => {
    const p = HarnessParams.parse({ files: ["compose.yml", "compose.test.yml"] });
    const want = [
      "reg-case-platform/scripts/integration-test.sh",
      "reg-case-platform/compose.yml",
      "reg-case-platform/compose.test.yml",
    ];
    expect(testStack.watches.files?.(p)).toEqual(want);
    expect(scriptSafe.watches.files?.(p)).toEqual(want);
  });
});
