import { backupRestore } from "./backup-restore.ts";
import { dataVolume } from "./data-volume.ts";
import { portsPrivate } from "./ports-private.ts";
import { serviceDns } from "./service-dns.ts";

export const networkChecks = [serviceDns, portsPrivate, dataVolume, backupRestore] as const;
