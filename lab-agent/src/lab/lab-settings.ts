import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { LabId } from "./lab-names.ts";

/** "2g", "512m", "1.5g" or a number of bytes. */
export const ByteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(\.\d+)?[kmg]?b?$/i, 'a size such as "2g" or "512m"')
    .transform((text) => {
      const m = /^(\d+(?:\.\d+)?)([kmg]?)/i.exec(text) as RegExpExecArray;
      const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? "").toLowerCase()] ?? 1;
      return Math.round(Number(m[1]) * unit);
    }),
]);

export const PrivilegeMode = z.enum(["privileged", "explicit-caps"]);
export type PrivilegeMode = z.infer<typeof PrivilegeMode>;

/** What a lab was created with; kept so `up` and `reset` rebuild it the same way. */
export const LabSettings = z.object({
  lab: LabId,
  workspace: z.string().min(1),
  /** Memory cap per engine node, in bytes. */
  memoryBytes: z
    .number()
    .int()
    .min(256 * 1024 ** 2, "at least 256m per node"),
  /** Process cap per engine node. */
  pidsLimit: z.number().int().min(256, "at least 256 processes per node"),
  /** CPU cap per engine node as Docker's NanoCpus (1e9 = one CPU); absent: no cap. */
  nanoCpus: z.number().int().min(1e8, "at least 0.1 CPU per node").optional(),
  /** Host port for the lab registry on 127.0.0.1; 0 lets the engine choose. */
  registryPort: z.number().int().min(0).max(65535),
  privilegeMode: PrivilegeMode.optional(),
  /** Registry digests pushed by Drydock, keyed by `repository:tag`, with the source image ID. */
  seeded: z.record(z.string(), z.object({ sourceId: z.string(), digest: z.string() })).default({}),
  createdAt: z.string(),
});
export type LabSettings = z.infer<typeof LabSettings>;

export const DEFAULT_MEMORY = 2 * 1024 ** 3;
export const DEFAULT_PIDS = 4096;

export function settingsPath(home: string, lab: LabId): string {
  return join(home, "labs", `${lab}.json`);
}

export function defaultWorkspace(home: string, lab: LabId): string {
  return join(home, "workspaces", lab);
}

export function readSettings(home: string, lab: LabId): LabSettings | undefined {
  const path = settingsPath(home, lab);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badSettings(path, `not JSON (${(err as Error).message})`);
  }
  const parsed = LabSettings.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badSettings(path, `${issue?.path.join(".") || "(root)"}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Written atomically (temp file + rename) so a crash never leaves half a file. */
export function writeSettings(home: string, settings: LabSettings): void {
  const path = settingsPath(home, settings.lab);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(LabSettings.parse(settings), null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}

export function removeSettings(home: string, lab: LabId): void {
  rmSync(settingsPath(home, lab), { force: true });
}

function badSettings(path: string, reason: string): DrydockError {
  return new DrydockError(ErrorCode.labState, `The lab settings file ${path} is damaged: ${reason}.`, {
    hint: "Fix the file, or delete it: `drydock lab up` then recreates it with defaults (the lab's containers and workspace are kept).",
  });
}

export function resolveWorkspace(path: string): string {
  return resolve(path);
}
