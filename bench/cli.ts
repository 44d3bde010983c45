import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * CLI start figures (p50/p95 wall time over --runs, default 20): `drydock --help` through the
 * installed bin and through npx, a few fast commands, beside `node -e 0` (Node's own start) and
 * the sources run through tsx (how the bin ran before it was compiled). `rebuild` is the first
 * start after a source edit (the bin recompiles; measured over 3 runs).
 * `lab status --json` asks the engine about a lab that does not exist: it probes the Docker
 * Engine, then fails (exit 3).
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const runs = Number(opt("--runs")) || 20;
  const root = join(import.meta.dirname, "..");
  const bin = join(root, "node_modules", ".bin", "drydock");
  const home = mkdtempSync(join(tmpdir(), "drydock-bench-cli-"));
  const figure = (name: string, value: number, unit: string) =>
    process.stdout.write(`${name} ${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}\n`);
  const viaTsx = `import { register } from "tsx/esm/api"; register();
const { main } = await import("./lab-agent/src/cli/main.ts");
process.exitCode = await main(process.argv.slice(1));`;
  const commands: [string, string, string[], number[]][] = [
    ["node_e_0", process.execPath, ["-e", "0"], [0]],
    ["bin.help", bin, ["--help"], [0]],
    ["npx.help", "npx", ["drydock", "--help"], [0]],
    ["bin.version", bin, ["--version"], [0]],
    ["bin.usage_error", bin, ["lab", "nosuch"], [2]],
    ["bin.lab_status_no_lab", bin, ["lab", "status", "--json", "--lab", "benchnolab"], [3, 4]],
    ["tsx_sources.help", process.execPath, ["--input-type=module", "-e", viaTsx, "--", "--help"], [0]],
  ];
  const time = (file: string, argv: string[], codes: number[]): number => {
    const started = performance.now();
    const result = spawnSync(file, argv, {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, DRYDOCK_HOME: home },
    });
    const ms = performance.now() - started;
    if (!codes.includes(result.status ?? -1))
      throw new Error(`${file} ${argv.join(" ")} exited ${result.status}:\n${result.stdout}${result.stderr}`);
    return ms;
  };
  try {
    time(bin, ["--version"], [0]); // compiles if a source changed, so the figures below are warm
    for (const [name, file, argv, codes] of commands) {
      const times = Array.from({ length: runs }, () => time(file, argv, codes));
      figure(`cli.${name}.p50`, pct(times, 50), "ms");
      figure(`cli.${name}.p95`, pct(times, 95), "ms");
    }
    const entry = join(root, "lab-agent", "src", "cli", "main.ts");
    const rebuilds = Array.from({ length: 3 }, () => {
      const now = new Date();
      utimesSync(entry, now, now); // an edit, as far as the bin can tell; the content is unchanged
      return time(bin, ["--version"], [0]);
    });
    figure("cli.bin.rebuild.p50", pct(rebuilds, 50), "ms");
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}
