import { describe, expect, it } from "vitest";
import { commandExists, runCommand } from "../../src/common/run-command.ts";

describe("runCommand", () => {
  it("collects output and exit codes of programs that exit at once, without reading stdin", async () => {
    // Before, an unread stdin pipe made a fast exit crash the process with EPIPE.
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        runCommand("sh", ["-c", 'echo "$1"; exit "$2"', "sh", `run ${i}`, `${i % 3}`]),
      ),
    );
    runs.forEach((run, i) => {
      expect(run.stdout).toBe(`run ${i}\n`);
      expect(run.code).toBe(i % 3);
    });
  });

  it("passes arguments as they are, never through a shell string", async () => {
    const run = await runCommand("printf", ["%s|", "a b", "$(id)", "'; true"]);
    expect(run.stdout).toBe("a b|$(id)|'; true|");
    expect(await commandExists("sh")).toBe(true);
    expect(await commandExists("no-such-program-drydock")).toBe(false);
  });
});
