import { evidenceRecord } from "./evidence-record.ts";
import { provenanceAttached } from "./provenance.ts";
import { registryTags } from "./registry-tags.ts";
import { reviewAnswered } from "./review.ts";
import { sbomAttached } from "./sbom.ts";
import { scanAttached } from "./scan.ts";

/** The hours 13-14 checks: release evidence, registry tags and the attestations of its digest. */
export const supplyChecks = [
  registryTags,
  evidenceRecord,
  sbomAttached,
  provenanceAttached,
  scanAttached,
  reviewAnswered,
] as const;
