import { spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../src/common/paths.ts";

// The bin runs lab-agent/src compiled into lab-agent/dist, and compiles again when a source
// changed. These tests run a copy of the real bin (bin/*.mjs) over a small lab-agent/src of
// their own, so they can edit its sources freely.
const run = (bin: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });

// Each test starts node (and esbuild) a few times: generous limits for a busy CI machine.
describe("the drydock bin's compiled CLI", { timeout: 60_000 }, () => {
  let root: string;
  let agent: string;
  let bin: string;
  const write = (file: string, text: string) => {
    mkdirSync(join(agent, "src", file, ".."), { recursive: true });
    writeFileSync(join(agent, "src", file), text);
  };
  const build = () => JSON.parse(readFileSync(join(agent, "dist", "build.json"), "utf8")).build as string;
  const builds = () => readdirSync(join(agent, "dist")).filter((name) => !name.startsWith("build"));

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "drydock-cli-build-"));
    agent = join(root, "lab-agent");
    symlinkSync(join(repoRoot, "node_modules"), join(root, "node_modules"));
    mkdirSync(join(agent, "bin"), { recursive: true });
    for (const file of ["drydock.mjs", "cli-build.mjs"])
      copyFileSync(join(repoRoot, "lab-agent", "bin", file), join(agent, "bin", file));
    writeFileSync(join(agent, "package.json"), '{ "type": "module" }\n');
    write(
      "cli/main.ts",
      `import { word } from "./word.ts";
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(\`\${word} \${argv.join(",")}\\n\`);
  return 0;
}
`,
    );
    write("cli/word.ts", 'export const word: string = "one";\n');
    bin = join(agent, "bin", "drydock.mjs");
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("compiles on the first run, then reuses the build while no source changes", async () => {
    expect(await run(bin, ["a", "b"])).toMatchObject({ code: 0, stdout: "one a,b\n" });
    const first = build();
    expect(await run(bin)).toMatchObject({ code: 0, stdout: "one \n" });
    expect(build()).toBe(first);
  });

  it("runs the new code after an edit to an imported file, with no build step in between", async () => {
    const before = build();
    write("cli/word.ts", 'export const word: string = "two";\n'); // same size: the mtime tells
    expect(await run(bin)).toMatchObject({ code: 0, stdout: "two \n" });
    expect(build()).not.toBe(before);
  });

  it("follows a new file that an edited source imports, and a deleted one", async () => {
    write("cli/extra.ts", 'export const extra = "three";\n');
    write("cli/word.ts", 'import { extra } from "./extra.ts";\nexport const word: string = extra;\n');
    expect(await run(bin)).toMatchObject({ code: 0, stdout: "three \n" });
    rmSync(join(agent, "src", "cli", "extra.ts"));
    const broken = await run(bin);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/Could not compile the drydock CLI[\s\S]*word\.ts[\s\S]*extra\.ts/);
  });

  it("shows the compile error with its file and line, then recovers once the source is fixed", async () => {
    write("cli/word.ts", 'export const word: string = "four"\nexport const = ;\n');
    const broken = await run(bin);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/word\.ts:2:/);
    write("cli/word.ts", 'export const word: string = "four";\n');
    expect(await run(bin)).toMatchObject({ code: 0, stdout: "four \n" });
  });

  it("builds once when several runs start at once after an edit, and all run the new code", async () => {
    write("cli/word.ts", 'export const word: string = "five";\n');
    const runs = await Promise.all(Array.from({ length: 4 }, () => run(bin, [], { DRYDOCK_DEBUG: "1" })));
    for (const result of runs) expect(result).toMatchObject({ code: 0, stdout: "five \n" });
    // One compiles while the others wait on its lock, then load what it built.
    expect(runs.filter((result) => result.stderr.includes("compiled the CLI"))).toHaveLength(1);
    // The current build, plus at most the one it replaced (kept for a process about to load it).
    expect(builds()).toContain(build());
    expect(builds().length).toBeLessThanOrEqual(2);
  });
});

describe("the real drydock bin", { timeout: 60_000 }, () => {
  it("runs the repository's current sources compiled, finding the repository from dist/", async () => {
    const bin = join(repoRoot, "lab-agent", "bin", "drydock.mjs");
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
    expect(await run(bin, ["--version"])).toMatchObject({ code: 0, stdout: `drydock ${pkg.version}\n` });
    const help = await run(bin, ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("drydock lab status");
  });
});
