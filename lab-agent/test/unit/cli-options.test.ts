import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/cli/cli-options.ts";
import { DrydockError } from "../../src/common/errors.ts";

function usageMessage(argv: string[]): string {
  try {
    parseCommand(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(DrydockError);
    expect((err as DrydockError).exitCode).toBe(2);
    return (err as DrydockError).message;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("parseCommand", () => {
  it("applies defaults", () => {
    const { words, flags } = parseCommand(["lab", "up"]);
    expect(words).toEqual(["lab", "up"]);
    expect(flags).toMatchObject({ lab: "default", json: false, yes: false, offline: false });
    expect(flags.memory).toBeUndefined();
  });

  it.each([
    ["2g", 2 * 1024 ** 3],
    ["512m", 512 * 1024 ** 2],
    ["1.5g", 1.5 * 1024 ** 3],
    ["1536MB", 1536 * 1024 ** 2],
  ])("reads --memory %s as %d bytes", (text, bytes) => {
    expect(parseCommand(["lab", "up", "--memory", text]).flags.memory).toBe(bytes);
  });

  it.each([
    [["--memory", "lots"], "--memory"],
    [["--memory", "100m"], "--memory: at least 256m"],
    [["--pids", "10"], "--pids: at least 256"],
    [["--registry-port", "70000"], "--registry-port"],
    [["--lab", "Has_Caps"], "--lab: a lab id is 1-24 characters"],
    [["--lab", "-starts-with-dash"], "--lab"],
    [["--nope"], "--nope"],
    [["--only", "image-non-root,"], "--only: deliverable ids separated by commas"],
    [["--mistake", "User_Root"], "--mistake: a mistake id"],
  ])("refuses %j naming the option", (args, expected) => {
    expect(usageMessage(["lab", "up", ...args])).toContain(expected);
  });

  it("reads check --only as a list of deliverable ids", () => {
    expect(
      parseCommand(["check", "h03-04", "--only", "image-non-root,image-healthcheck"]).flags.only,
    ).toEqual(["image-non-root", "image-healthcheck"]);
    expect(parseCommand(["check", "h03-04"]).flags.only).toBeUndefined();
  });

  it("takes short flags", () => {
    expect(parseCommand(["engine", "-y", "-v"]).flags).toMatchObject({ yes: true, verbose: true });
  });
});
