import { spawn } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a host program with an argv array (never a shell string), collecting its output.
 * `onLine` sees output as it arrives, for progress.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  opts: { onLine?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    // No stdin: a pipe nobody writes to can only fail (EPIPE when the program exits first).
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env });
    let stdout = "";
    let stderr = "";
    const collect = (which: "out" | "err") => (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (which === "out") stdout += text;
      else stderr += text;
      if (opts.onLine) for (const line of text.split(/\r?\n/)) if (line.trim()) opts.onLine(line);
    };
    child.stdout.on("data", collect("out"));
    child.stderr.on("data", collect("err"));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

export async function commandExists(name: string): Promise<boolean> {
  const result = await runCommand("sh", ["-c", 'command -v "$1"', "sh", name]).catch(() => undefined);
  return result?.code === 0;
}
