import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as Ed25519Multikey from "@digitalbazaar/ed25519-multikey";
import { z } from "zod";
import { DrydockError, ErrorCode } from "../common/errors.ts";

/**
 * This installation's signing key: an Ed25519 key pair in DRYDOCK_HOME/scorecard-key.json (0600),
 * made on first use. Its public half is the issuer's did:key, so any scorecard names the key that
 * verifies it, whichever installation issued it.
 */
export const KEY_FILE = "scorecard-key.json";

const Multibase = z.string().regex(/^z[1-9A-HJ-NP-Za-km-z]+$/, "a base58btc multibase string");
const KeyFile = z
  .object({
    type: z.literal("Multikey"),
    publicKeyMultibase: Multibase.refine((s) => s.startsWith("z6Mk"), "an Ed25519 public key (z6Mk…)"),
    secretKeyMultibase: Multibase,
    created: z.string(),
  })
  .strict();

export interface InstallationKey {
  did: string;
  verificationMethod: string;
  keyPair: Ed25519Multikey.Ed25519KeyPair;
}

export function didKeyOf(publicKeyMultibase: string): { did: string; verificationMethod: string } {
  const did = `did:key:${publicKeyMultibase}`;
  return { did, verificationMethod: `${did}#${publicKeyMultibase}` };
}

export async function loadInstallationKey(home: string): Promise<InstallationKey> {
  const file = join(home, KEY_FILE);
  let stored: z.infer<typeof KeyFile>;
  if (existsSync(file)) {
    const parsed = KeyFile.safeParse(safeJson(readFileSync(file, "utf8")));
    if (!parsed.success) {
      throw new DrydockError(ErrorCode.labState, `The scorecard key ${file} is damaged.`, {
        hint: "Move it away to make a new key (scorecards it signed still verify: they carry its public key).",
        details: parsed.error.issues[0]?.message,
      });
    }
    stored = parsed.data;
    chmodSync(file, 0o600);
  } else {
    const pair = await Ed25519Multikey.generate();
    const exported = await pair.export({ publicKey: true, secretKey: true });
    stored = KeyFile.parse({
      type: "Multikey",
      publicKeyMultibase: exported.publicKeyMultibase,
      secretKeyMultibase: exported.secretKeyMultibase,
      created: new Date().toISOString(),
    });
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  }
  const { did, verificationMethod } = didKeyOf(stored.publicKeyMultibase);
  const keyPair = await Ed25519Multikey.from({
    type: "Multikey",
    id: verificationMethod,
    controller: did,
    publicKeyMultibase: stored.publicKeyMultibase,
    secretKeyMultibase: stored.secretKeyMultibase,
  });
  return { did, verificationMethod, keyPair };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
